subscription "renewal" {
  customer_id   = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
  term_duration = "P1Y"
  billing_cycle = "monthly"
  migrate_from  = "11111111-1111-4111-8111-111111111111"
  schedule { on_renewal = true }
}

subscription "dated" {
  customer_id   = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
  term_duration = "P1Y"
  billing_cycle = "monthly"
  migrate_from         = "22222222-2222-4222-8222-222222222222"
  custom_term_end_date = "2027-03-31"
  schedule {
    date = "2026-12-01"
  }
  addon {
    migrate_from         = "33333333-3333-4333-8333-333333333333"
    custom_term_end_date = "2027-03-31"
  }
}
