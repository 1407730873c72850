subscription "a" {
  customer_id   = "not-a-guid" # ERROR: Invalid GUID
  migrate_from  = "11111111-1111-4111-8111-111111111111"
  term_duration = "P1Y"
  billing_cycle = "monthly"
}
