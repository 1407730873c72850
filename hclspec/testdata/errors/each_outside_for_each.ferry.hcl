subscription "a" {
  customer_id   = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
  migrate_from  = each.key # ERROR: each is not available here
  term_duration = "P1Y"
  billing_cycle = "monthly"
}
