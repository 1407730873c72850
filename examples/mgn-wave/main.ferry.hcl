# A wave of AWS MGN cutovers: the database first, then three application servers that depend on it.
# Each server is cut over only when its replication is CONTINUOUS, its lag is within max_lag and a
# test launch succeeded; app03's replication is stalled, so it is reported and left alone.

provider "mgn" {
  region = "eu-west-1"
}

cutover "db01" {
  source_server_id = "s-1000000000000db01"
  require_test     = true
  max_lag          = "PT5M"
  finalize         = true
  archive          = true
}

locals {
  apps = {
    app01 = { id = "s-100000000000app01", archive = true }
    app02 = { id = "s-100000000000app02", archive = false }
    app03 = { id = "s-100000000000app03", archive = true }
  }
}

cutover "app" {
  for_each         = local.apps
  source_server_id = each.value.id
  require_test     = true
  max_lag          = "PT5M"
  finalize         = true
  archive          = each.value.archive
  depends_on       = [cutover.db01]

  timeouts {
    cutover = "1h"
  }
}
