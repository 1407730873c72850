subscription "a" {
  customer_id   = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
  migrate_from  = "11111111-1111-4111-8111-111111111111"
  term_duration = "P1Y"
  billing_cycle = "monthly"
  commerce { # ERROR: Unexpected commerce block
    account_id = "1"
    source_subscription_id = "2"
    plan_id = "p"
    mode = "switch_plan"
  }
}
