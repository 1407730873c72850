subscription "a" {
  customer_id   = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
  migrate_from  = local.legacy # ERROR: Reference to undeclared local value
  term_duration = "P1Y"
  billing_cycle = "monthly"
}
