ferry {
  state       = "ferry.state.json"
  parallelism = 4
}

variable "customers_csv" {
  type    = string
  default = "customers.csv"
}

variable "connect_token" {
  type      = string
  default   = "SU-123:secret"
  sensitive = true
}

locals {
  rows = csvdecode(file(var.customers_csv))
  by_id = { for r in local.rows : r.subscription_id => r }
}

provider "partnercenter" {
  endpoint  = "https://api.partnercenter.microsoft.com"
  tenant_id = "cccccccc-cccc-4ccc-8ccc-cccccccccccc"
}
provider "mgn" { region = "eu-west-1" }

subscription "m365" {
  for_each           = local.by_id
  customer_id        = each.value.customer_id
  microsoft_domain   = each.value.domain
  migrate_from       = each.key
  term_duration      = "P1Y"
  billing_cycle      = "monthly"
  quantity           = tonumber(each.value.seats)
  depends_on         = [skip_list.nce]
  timeouts {
    order     = "10m"
    migration = "3d"
  }
}

subscription "legacy" {
  via              = "commerce"
  customer_id      = "dddddddd-dddd-4ddd-8ddd-dddddddddddd"
  microsoft_domain = "woodgrove.onmicrosoft.com"
  migrate_from     = "33333333-3333-4333-8333-333333333333"
  term_duration    = "P3Y"
  billing_cycle    = "triennial"
  purchase_full_term = true
  addon {
    migrate_from  = "44444444-4444-4444-8444-444444444444"
    term_duration = "P1M"
    billing_cycle = "monthly"
    plan_id       = "plan-audio"
  }
  addon {
    migrate_from = "55555555-5555-4555-8555-555555555555"
    plan_id      = "plan-phone"
  }
  commerce {
    account_id             = "1000048"
    source_subscription_id = "1000122"
    plan_id                = "plan-1"
    mode                   = "new_subscription"
  }
}

skip_list "nce" {
  product     = "PRD-183-233-565"
  marketplace = "MP-65669"
  entries     = ["AS-1564-9639-4055", "PR-3590-4186-1549-001", "TA-0000-0000-0001"]
}

cutover "db01" {
  source_server_id = "s-1234567890abcdef0"
}

cutover "web" {
  for_each         = toset(["web01", "web02"])
  source_server_id = each.key == "web01" ? "s-1234567890abcdef1" : "s-1234567890abcdef2"
  require_test     = false
  max_lag          = "PT1H30M"
  finalize         = true
  archive          = true
  depends_on       = [cutover.db01]
}

import {
  to = subscription.m365["22222222-2222-4222-8222-222222222222"]
  id = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb/99999999-9999-4999-8999-999999999999"
}
