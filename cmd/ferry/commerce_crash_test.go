package main

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/providers/commerce"
	"github.com/ferry-dev/ferry/providers/sandbox"
	"github.com/ferry-dev/ferry/providers/table"
)

// commerceCrashSpec migrates 8 legacy subscriptions (each with an add-on) in new_subscription mode
// and 2 in switch_plan mode, all through Commerce orders of one account.
func commerceCrashSpec() (spec, world string) {
	var b, subs strings.Builder
	b.WriteString("provider \"commerce\" {\n  endpoint = \"https://commerce.example.com\"\n}\n")
	for i := 1; i <= 10; i++ {
		mode, addon := "new_subscription", fmt.Sprintf("  addon {\n    migrate_from = \"22222222-0000-0000-0000-%012d\"\n  }\n", i)
		if i > 8 {
			mode, addon = "switch_plan", ""
		}
		fmt.Fprintf(&b, `
subscription "s%d" {
  via              = "commerce"
  customer_id      = "aaaaaaaa-0000-0000-0000-000000000001"
  microsoft_domain = "alpha.onmicrosoft.com"
  migrate_from     = "11111111-0000-0000-0000-%012d"
  term_duration    = "P1Y"
  billing_cycle    = "monthly"
  commerce {
    account_id             = "1000048"
    source_subscription_id = "%d"
    plan_id                = "nce-e3"
    mode                   = "%s"
  }
%s}
`, i, i, 1000100+i, mode, addon)
		if i > 1 {
			subs.WriteString(",")
		}
		fmt.Fprintf(&subs, `{"id": "%d", "planId": "legacy-e3", "status": "ACTIVE"}`, 1000100+i)
	}
	world = `{"commerce": {"accounts": [{"id": "1000048", "subscriptions": [` + subs.String() + `]}], "plans": {"nce-e3": {}}, "orders": []},
 "behaviour": {"rate_limits": "off", "latency": "3ms", "durations": {"commerce.order": "150ms"}}}`
	return b.String(), world
}

// TestCommerceKill9AtManyMoments kills `ferry apply` of Commerce migrations with SIGKILL at 20
// moments, re-applies, and proves that each legacy subscription has exactly one sales order, each
// source subscription exactly one cancellation (new_subscription) or change (switch_plan) order,
// that a base and its add-on share one transaction_id, and that the next plan has no changes.
func TestCommerceKill9AtManyMoments(t *testing.T) {
	eachBackend(t, testCommerceKill9AtManyMoments)
}

func testCommerceKill9AtManyMoments(t *testing.T, setup func(string, []string) (*crashState, []string)) {
	moments := 20
	if testing.Short() {
		moments = 4
	}
	for k := 1; k <= moments; k++ {
		records := k * 3
		t.Run(fmt.Sprintf("after_%d_records", records), func(t *testing.T) {
			dir := t.TempDir()
			spec, world := commerceCrashSpec()
			if err := os.WriteFile(filepath.Join(dir, "main.ferry.hcl"), []byte(spec), 0o644); err != nil {
				t.Fatal(err)
			}
			w, err := sandbox.DecodeWorld("world.json", []byte(world), table.Default())
			if err != nil {
				t.Fatal(err)
			}
			srv, err := sandbox.New(w, table.Default())
			if err != nil {
				t.Fatal(err)
			}
			hs := httptest.NewServer(srv.Handler())
			t.Cleanup(hs.Close)
			cs, env := setup(dir, append(os.Environ(), "FERRY_SANDBOX="+hs.URL, "NO_COLOR=1"))

			applyKilledAt(t, env, cs, records, 60*time.Second)

			runFerry(t, env, 0, "apply", "--auto-approve", "--chdir", dir)
			if planOut := runFerry(t, env, 0, "plan", "--detailed-exitcode", "--chdir", dir); !strings.Contains(planOut, "No changes") {
				t.Errorf("final plan:\n%s", planOut)
			}

			var got struct {
				Commerce commerceWorld `json:"commerce"`
			}
			getJSON(t, hs.URL+"/_sandbox/world", &got)
			sales, cancels, changes := map[string]int{}, map[string]int{}, map[string]int{}
			carried := map[string]int{}
			for _, s := range got.Commerce.Accounts[0].Subscriptions {
				for _, p := range s.Parameters {
					if p.Key == commerce.ParamTransactionID {
						carried[p.Value]++
					}
				}
			}
			for _, o := range got.Commerce.Orders {
				switch o.Type {
				case commerce.OrderSales:
					sales[o.Transaction().SubscriptionID]++
					if tx := o.Param(commerce.ParamTransactionID); carried[tx] != 2 {
						t.Errorf("transaction_id %s of sales order %s is carried by %d subscriptions, want 2 (base and add-on)", tx, o.OrderID, carried[tx])
					}
				case commerce.OrderCancellation:
					cancels[o.SubscriptionID()]++
				case commerce.OrderChange:
					changes[o.SubscriptionID()]++
				}
			}
			for i := 1; i <= 10; i++ {
				legacy, source := fmt.Sprintf("11111111-0000-0000-0000-%012d", i), fmt.Sprint(1000100+i)
				if i <= 8 && (sales[legacy] != 1 || cancels[source] != 1) {
					t.Errorf("%s: %d sales orders and %d cancellations, want 1 and 1", legacy, sales[legacy], cancels[source])
				}
				if i > 8 && changes[source] != 1 {
					t.Errorf("%s: %d change orders, want 1", source, changes[source])
				}
			}
			if n := srv.Env().Stats.Get(commerce.OpCreateOrder); n != 18 {
				t.Errorf("%d orders sent, want 18: something was sent twice", n)
			}
		})
	}
}
