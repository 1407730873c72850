subscription "a" {
  via              = "commerce"
  customer_id      = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
  microsoft_domain = "a.onmicrosoft.com"
  migrate_from     = "11111111-1111-4111-8111-111111111111"
  term_duration    = "P1Y"
  billing_cycle    = "monthly"
  addon {
    migrate_from = "22222222-2222-4222-8222-222222222222"
    plan_id      = "nce-audio"
  }
  addon { # ERROR: Missing add-on plan_id
    migrate_from = "33333333-3333-4333-8333-333333333333"
  }
  commerce {
    account_id             = "1"
    source_subscription_id = "2"
    plan_id                = "p"
    mode                   = "new_subscription"
  }
}
