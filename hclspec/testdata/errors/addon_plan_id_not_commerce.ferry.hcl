subscription "a" {
  customer_id   = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
  migrate_from  = "11111111-1111-4111-8111-111111111111"
  term_duration = "P1Y"
  billing_cycle = "monthly"
  addon {
    migrate_from = "22222222-2222-4222-8222-222222222222"
    plan_id      = "nce-audio" # ERROR: Unexpected add-on plan_id
  }
}
