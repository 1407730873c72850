locals {
  x = file("nope.csv") # ERROR: Invalid function argument
}
