subscription "a" {
  customer_id   = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
  migrate_from  = var.legacy # ERROR: Reference to undeclared input variable
  term_duration = "P1Y"
  billing_cycle = "monthly"
}
