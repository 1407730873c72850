provider "mgn" {
  region = "Ireland" # ERROR: Invalid region
}
