subscription "a" {
  customer_id   = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
  migrate_from  = cutover.c.id # ERROR: Resource references are not allowed here
  term_duration = "P1Y"
  billing_cycle = "monthly"
}
