variable "x" {
  type = strin # ERROR: Invalid type specification
  default = 1
}
