# Microsoft CSP → New Commerce through CloudBlue: the Connect processor skip list keeps the processor's
# hands off the asset being repaired, Commerce orders migrate legacy subscriptions (both modes, with
# add-ons), and an import block adopts a subscription Microsoft migrated behind Commerce's back.
ferry {
  state       = "ferry.state.json"
  parallelism = 4
}

provider "commerce" {
  endpoint = "https://commerce.example.com"
}

provider "connect" {}

provider "partnercenter" {
  tenant_id = "00000000-0000-0000-0000-000000000001"
}

# Asset IDs only (no TA- customer entry): a re-import is planned below.
skip_list "nce" {
  product     = "PRD-183-233-565"
  marketplace = "MP-65669"
  entries     = ["AS-2000-0000-0003", "AS-1000-0000-0002"]
}

# New subscription mode: a SALES order for the NCE plan with a line per add-on plan (base and both
# add-ons, one transaction_id), then the cancellation of the legacy Commerce subscription.
subscription "contoso_e3" {
  via              = "commerce"
  customer_id      = "3f2a3b4c-1111-4a5b-8c9d-000000000001"
  microsoft_domain = "contosonce.onmicrosoft.com"
  migrate_from     = "11111111-aaaa-4aaa-8aaa-000000000001"
  term_duration    = "P1Y"
  billing_cycle    = "monthly"
  addon {
    migrate_from = "22222222-aaaa-4aaa-8aaa-000000000001"
    plan_id      = "nce-audio"
  }
  addon {
    migrate_from = "22222222-aaaa-4aaa-8aaa-000000000002"
    plan_id      = "nce-phone"
  }
  commerce {
    account_id             = "1000048"
    source_subscription_id = "1000122"
    plan_id                = "nce-e3"
    mode                   = "new_subscription"
  }
  timeouts {
    order = "30m"
  }
}

# Switch plan mode: one CHANGE order of the Commerce subscription to the NCE plan.
subscription "contoso_bs" {
  via              = "commerce"
  customer_id      = "3f2a3b4c-1111-4a5b-8c9d-000000000001"
  microsoft_domain = "contosonce.onmicrosoft.com"
  migrate_from     = "11111111-aaaa-4aaa-8aaa-000000000002"
  term_duration    = "P1Y"
  billing_cycle    = "monthly"
  commerce {
    account_id             = "1000048"
    source_subscription_id = "1000125"
    plan_id                = "nce-bs"
    mode                   = "switch_plan"
  }
  depends_on = [skip_list.nce]
}

# Adoption: Microsoft migrated fabrikam's legacy E3 at term end; the subscription is active in Partner
# Center and Connect but terminated in Commerce. The import places a SALES order with
# migration_info_object after checking offer, quantity, billing cycle and term against Microsoft.
subscription "fabrikam_e3" {
  via              = "commerce"
  customer_id      = "3f2a3b4c-2222-4a5b-8c9d-000000000002"
  microsoft_domain = "fabrikamnce.onmicrosoft.com"
  migrate_from     = "11111111-bbbb-4bbb-8bbb-000000000003"
  term_duration    = "P1Y"
  billing_cycle    = "monthly"
  quantity         = 12
  commerce {
    account_id             = "1000051"
    source_subscription_id = "1000131"
    plan_id                = "nce-e3"
    mode                   = "new_subscription"
  }
  depends_on = [skip_list.nce]
}

import {
  to = subscription.fabrikam_e3
  id = "3f2a3b4c-2222-4a5b-8c9d-000000000002/33333333-bbbb-4bbb-8bbb-000000000003"
}
