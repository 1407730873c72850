subscription "a" {
  customer_id   = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
  migrate_from  = "11111111-1111-4111-8111-111111111111" # ERROR: Duplicate legacy subscription
  term_duration = "P1Y"
  billing_cycle = "monthly"
  for_each = { x = "11111111-1111-4111-8111-111111111111", y = "22222222-2222-4222-8222-222222222222" }
  depends_on = [subscription.a] # ERROR: Dependency cycle
}
