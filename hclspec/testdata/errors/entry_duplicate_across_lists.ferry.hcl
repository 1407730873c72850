skip_list "s" {
  product = "PRD-183-233-565"
  marketplace = "MP-12345"
  entries = ["AS-1564-9639-4055"]
}
skip_list "t" {
  product = "PRD-183-233-565"
  marketplace = "MP-12345"
  entries = ["TA-0000-0000-0001", "AS-1564-9639-4055"] # ERROR: Duplicate skip-list entry
}
