skip_list "s" {
  product = "PRD-183-233-565"
  marketplace = "MP-12345"
  parameter = "skip list" # ERROR: Invalid Connect parameter ID
  entries = []
}
