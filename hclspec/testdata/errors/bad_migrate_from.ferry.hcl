subscription "a" {
  customer_id   = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
  migrate_from  = "1234" # ERROR: Invalid GUID
  term_duration = "P1Y"
  billing_cycle = "monthly"
}
