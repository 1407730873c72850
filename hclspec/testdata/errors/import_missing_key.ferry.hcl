subscription "a" {
  customer_id   = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
  migrate_from  = "11111111-1111-4111-8111-111111111111"
  term_duration = "P1Y"
  billing_cycle = "monthly"
  for_each = { k = 1 }
}
import {
  to = subscription.a # ERROR: Missing instance key
  id = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa/22222222-2222-4222-8222-222222222222"
}
