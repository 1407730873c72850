provider "connect" {
  endpoint = "api.connect" # ERROR: Invalid endpoint
}
