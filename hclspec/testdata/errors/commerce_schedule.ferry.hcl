# A Commerce migration order carries no schedule and no custom term end date: rather than migrate
# at once a subscription meant to migrate on renewal, validate refuses them with via = "commerce".
subscription "a" {
  via                  = "commerce"
  customer_id          = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
  microsoft_domain     = "contoso.onmicrosoft.com"
  migrate_from         = "11111111-1111-4111-8111-111111111111"
  term_duration        = "P1Y"
  billing_cycle        = "monthly"
  custom_term_end_date = "2027-03-31" # ERROR: custom_term_end_date not supported through Commerce
  schedule { # ERROR: Schedule not supported through Commerce
    on_renewal = true
  }
  addon {
    migrate_from         = "22222222-2222-4222-8222-222222222222"
    custom_term_end_date = "2027-03-31" # ERROR: custom_term_end_date not supported through Commerce
  }
  commerce {
    account_id             = "1000048"
    source_subscription_id = "1000122"
    plan_id                = "nce-e3"
    mode                   = "new_subscription"
  }
}
