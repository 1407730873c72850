subscription "a" {
  customer_id   = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
  migrate_from  = "11111111-1111-4111-8111-111111111111"
  term_duration = "P1Y"
  billing_cycle = "monthly"
  widget {} # ERROR: Unsupported block type
}
