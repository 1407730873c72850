skip_list "s" {
  product = "PRD-183-233-565"
  marketplace = "MP-12345"
  entries = split(",", "AS-1564-9639-4055, TA-0000-0000-0001") # ERROR: Invalid skip-list entry
}
