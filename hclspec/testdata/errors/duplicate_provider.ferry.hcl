provider "mgn" {}
provider "mgn" {} # ERROR: Duplicate provider block
