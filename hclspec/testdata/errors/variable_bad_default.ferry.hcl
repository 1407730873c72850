variable "x" {
  type = number
  default = "abc" # ERROR: Invalid value for variable
}
