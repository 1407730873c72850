skip_list "s" {
  product = "PRD-183-233-565"
  marketplace = "MP-12345"
  entries = ["AS-1564-9639-4055", "CU-1", "PR-3590-4186-1549"] # ERROR: Invalid skip-list entry # ERROR: Invalid skip-list entry
}
