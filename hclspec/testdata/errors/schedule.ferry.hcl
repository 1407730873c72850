subscription "both" {
  customer_id   = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
  term_duration = "P1Y"
  billing_cycle = "monthly"
  migrate_from  = "11111111-1111-4111-8111-111111111111"
  schedule {
    on_renewal = true
    date       = "2026-12-01" # ERROR: Conflicting schedule
  }
}

subscription "empty" {
  customer_id   = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
  term_duration = "P1Y"
  billing_cycle = "monthly"
  migrate_from  = "22222222-2222-4222-8222-222222222222"
  schedule {} # ERROR: Empty schedule
}

subscription "false" {
  customer_id   = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
  term_duration = "P1Y"
  billing_cycle = "monthly"
  migrate_from  = "33333333-3333-4333-8333-333333333333"
  schedule { on_renewal = false } # ERROR: Invalid schedule
}

subscription "baddate" {
  customer_id   = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
  term_duration = "P1Y"
  billing_cycle = "monthly"
  migrate_from  = "44444444-4444-4444-8444-444444444444"
  schedule { date = "2026-02-30" } # ERROR: Invalid date
}

subscription "twice" {
  customer_id   = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
  term_duration = "P1Y"
  billing_cycle = "monthly"
  migrate_from  = "55555555-5555-4555-8555-555555555555"
  schedule { on_renewal = true }
  schedule { on_renewal = true } # ERROR: Duplicate schedule block
}
