locals {
  x = fly(1) # ERROR: Call to unknown function
}
