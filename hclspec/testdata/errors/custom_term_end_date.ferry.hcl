subscription "a" {
  customer_id   = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
  term_duration = "P1Y"
  billing_cycle = "monthly"
  migrate_from         = "11111111-1111-4111-8111-111111111111"
  custom_term_end_date = "31/03/2027" # ERROR: Invalid date
  addon {
    migrate_from         = "22222222-2222-4222-8222-222222222222"
    custom_term_end_date = "2027-3-31" # ERROR: Invalid date
  }
}

subscription "b" {
  customer_id   = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
  term_duration = "P1Y"
  billing_cycle = "monthly"
  migrate_from         = "33333333-3333-4333-8333-333333333333"
  custom_term_end_date = "2027-04-31" # ERROR: Invalid date
}
