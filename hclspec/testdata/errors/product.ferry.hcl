skip_list "s" {
  product = "PRD-1" # ERROR: Invalid Connect product ID
  marketplace = "MP-12345"
  entries = []
}
