// Package examplegen writes ferry examples: a CSV-driven spec of legacy subscriptions to migrate and a
// sandbox world that holds them. It is deterministic (IDs are name-based UUIDs), so the same options
// always write the same files. examplegen/gen (examples/m365-nce) and scripts/bench use it.
package examplegen

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"
)

// Options say what to write.
type Options struct {
	Subs      int     // number of base subscriptions
	Customers int     // number of customers
	Addons    bool    // give two bases an Audio Conferencing add-on, declared in a second block
	Migration string  // behaviour: how long a migration takes (e.g. "3s"); empty = the sandbox default
	Limits    string  // behaviour: "documented", "off" or "scaled"; empty = default
	Factor    float64 // behaviour: time factor for scaled limits
}

type offer struct{ legacyID, name, nce string }

// offers are the legacy offers of the generated subscriptions and their New Commerce equivalents.
var offers = []offer{
	{"796b6b5f-613c-4e24-a17c-eba730d49c02", "Office 365 E3", "CFQ7TTC0LF8Q:0001:CFQ7TTC0KQDF"},
	{"91fd106f-4b2c-4938-95ac-f54f74e9a239", "Microsoft 365 Business Standard", "CFQ7TTC0LDPB:0001:CFQ7TTC0K5DP"},
	{"3451a3b0-8cda-44a7-bad7-c30be81c4aaa", "Microsoft 365 Business Basic", "CFQ7TTC0LH18:0001:CFQ7TTC0K4XG"},
	{"6fbad345-b7de-42a6-b6ab-79b363d0b371", "Microsoft 365 E5", "CFQ7TTC0LFLZ:0002:CFQ7TTC0K8XW"},
}

// audio is the add-on offer.
var audio = offer{"0c5ebfc8-7cc6-4e73-8b3a-2b0bf4d3d9a1", "Audio Conferencing", "CFQ7TTC0LF8S:0001:CFQ7TTC0KH9V"}

func id(kind string, i int) string {
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte(fmt.Sprintf("ferry-example/%s/%d", kind, i))).String()
}

// Write writes main.ferry.hcl, customers.csv and world.json into dir.
func Write(dir string, o Options) error {
	nsubs, ncust, addons, migration, limits, factor := o.Subs, o.Customers, o.Addons, o.Migration, o.Limits, o.Factor
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	end := time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)
	type sub map[string]any
	type cust struct {
		ID            string `json:"id"`
		Domain        string `json:"domain"`
		Subscriptions []sub  `json:"subscriptions"`
	}
	custs := make([]*cust, ncust)
	for c := range custs {
		custs[c] = &cust{ID: id("customer", c), Domain: fmt.Sprintf("contoso%04d.onmicrosoft.com", c)}
	}
	rows := [][]string{{"subscription_id", "customer_id", "domain", "seats", "term", "billing", "full_term"}}
	type bundle struct{ base, addon, customer, domain string }
	var bundles []bundle
	for i := 0; i < nsubs; i++ {
		c := custs[i%ncust]
		o := offers[i%len(offers)]
		qty := 5 + (i*7)%40
		s := sub{
			"id": id("subscription", i), "offerId": o.legacyID, "offerName": o.name, "friendlyName": o.name,
			"quantity": qty, "status": "active", "isTrial": false, "billingCycle": "monthly", "termDuration": "P1M",
			"commitmentEndDate": end.AddDate(0, i%12, 0), "autoRenewEnabled": true, "unitType": "Licenses",
			"orderId": id("order", i), "productType": map[string]string{"id": "OnlineServicesNCE", "displayName": "OnlineServices"},
		}
		c.Subscriptions = append(c.Subscriptions, s)
		if addons && i < 2 {
			a := sub{
				"id": id("addon", i), "offerId": audio.legacyID, "offerName": audio.name, "quantity": qty,
				"status": "active", "billingCycle": "monthly", "termDuration": "P1M", "parentSubscriptionId": s["id"],
				"commitmentEndDate": end, "unitType": "Licenses", "orderId": id("order", i),
			}
			c.Subscriptions = append(c.Subscriptions, a)
			bundles = append(bundles, bundle{s["id"].(string), a["id"].(string), c.ID, c.Domain})
			continue
		}
		full := "false"
		if i == 3 {
			full = "true" // one full-term purchase; the others co-term with the legacy end date
		}
		seats := fmt.Sprint(qty)
		if i == 4 {
			seats = fmt.Sprint(qty + 10) // one custom quantity
		}
		rows = append(rows, []string{s["id"].(string), c.ID, c.Domain, seats, "P1Y", "monthly", full})
	}

	catalog := map[string]string{audio.legacyID: audio.nce}
	for _, o := range offers {
		catalog[o.legacyID] = o.nce
	}
	world := map[string]any{"partnercenter": map[string]any{"customers": custs, "catalog": catalog}}
	b := map[string]any{}
	if migration != "" {
		b["durations"] = map[string]string{"partnercenter.migration": migration}
	}
	if limits != "" {
		b["rate_limits"] = limits
	}
	if factor > 0 {
		b["time_factor"] = factor
	}
	if len(b) > 0 {
		world["behaviour"] = b
	}
	wj, err := json.MarshalIndent(world, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "world.json"), append(wj, '\n'), 0o644); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "customers.csv"))
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	spec := baseSpec
	if len(bundles) > 0 {
		spec += "\n# Bases migrated together with their Audio Conferencing add-on.\nlocals {\n  bundles = {\n"
		for _, bd := range bundles {
			spec += fmt.Sprintf("    %q = { customer_id = %q, domain = %q, addon = %q }\n", bd.base, bd.customer, bd.domain, bd.addon)
		}
		spec += "  }\n}\n" + bundleSpec
	}
	return os.WriteFile(filepath.Join(dir, "main.ferry.hcl"), []byte(spec), 0o644)
}

const baseSpec = `# Migrate the legacy CSP subscriptions listed in customers.csv to New Commerce, through Partner Center.
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
`

const bundleSpec = `
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
`
