# Migrate the legacy CSP subscriptions listed in customers.csv to New Commerce, through Partner Center.
ferry {
  state       = "ferry.state.json"
  parallelism = 8
}

variable "customers_csv" {
  type        = string
  default     = "customers.csv"
  description = "One row per legacy subscription: subscription_id, customer_id, domain, seats, term, billing, full_term."
}

locals {
  rows = csvdecode(file(var.customers_csv))
}

provider "partnercenter" {
  tenant_id = "00000000-0000-0000-0000-000000000001"
}

subscription "m365" {
  for_each           = { for r in local.rows : r.subscription_id => r }
  via                = "partnercenter"
  customer_id        = each.value.customer_id
  microsoft_domain   = each.value.domain
  migrate_from       = each.key
  term_duration      = each.value.term
  billing_cycle      = each.value.billing
  purchase_full_term = each.value.full_term == "true"
  quantity           = tonumber(each.value.seats)

  timeouts {
    migration = "72h"
  }
}

# Bases migrated together with their Audio Conferencing add-on.
locals {
  bundles = {
    "c26a11fa-1a90-51aa-ae5f-31cfc3223567" = { customer_id = "14fb12a7-0a3f-56b6-9ed3-0d2e6440a423", domain = "contoso0000.onmicrosoft.com", addon = "ad02741a-2961-5e0b-9c22-cd0ed12e4d5f" }
    "d7ceba0f-b168-5fc7-90a1-af668be19845" = { customer_id = "85fb8709-685d-59a0-80f9-a9b1949f9d2e", domain = "contoso0001.onmicrosoft.com", addon = "618b817f-d1c7-52d9-88f5-992cd96442b0" }
  }
}

subscription "with_audio" {
  for_each         = local.bundles
  customer_id      = each.value.customer_id
  microsoft_domain = each.value.domain
  migrate_from     = each.key
  term_duration    = "P1Y"
  billing_cycle    = "monthly"

  addon {
    migrate_from  = each.value.addon
    term_duration = "P1M"
    billing_cycle = "monthly"
  }
}
