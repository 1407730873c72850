provider "partnercenter" {
  region = "eu-west-1" # ERROR: Unsupported argument
}
