skip_list "s" {
  product = "PRD-183-233-565"
  marketplace = "MP-1234" # ERROR: Invalid Connect marketplace ID
  entries = []
}
