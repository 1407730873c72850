package commerce_test

import (
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/app"
	"github.com/ferry-dev/ferry/providers/commerce"
	"github.com/ferry-dev/ferry/providers/partnercenter"
)

const (
	adoptCustomer = "bbbbbbbb-0000-0000-0000-000000000002"
	adoptLegacy   = "11111111-bbbb-0000-0000-000000000003"
	adoptNCE      = "33333333-bbbb-0000-0000-000000000003"
)

// adoptWorld: Microsoft migrated a legacy subscription itself; the New Commerce one is active in
// Partner Center, its Commerce subscription 1000131 has the status source (TERMINATED in
// CloudBlue's case, ACTIVE when Commerce still bills the legacy one). extraSubs are more Commerce
// subscriptions of the account; pcNCE overrides fields of the Partner Center subscription.
func adoptWorld(source, extraSubs, pcNCE string) string {
	return `{"partnercenter": {"customers": [{"id": "` + adoptCustomer + `", "domain": "beta.onmicrosoft.com", "subscriptions": [
    {"id": "` + adoptLegacy + `", "offerId": "796b6b5f-613c-4e24-a17c-eba730d49c02", "quantity": 12, "status": "suspended", "billingCycle": "monthly", "termDuration": "P1Y"},
    {"id": "` + adoptNCE + `", "offerId": "CFQ7TTC0LF8Q:0001:CFQ7TTC0KQDF", "quantity": 12, "status": "active", "billingCycle": "monthly",
     "termDuration": "P1Y", "orderId": "a1b2c3d4e5f6", "migratedFromSubscriptionId": "` + adoptLegacy + `"` + pcNCE + `}]}]},
 "commerce": {"accounts": [{"id": "` + account + `", "subscriptions": [
    {"id": "1000131", "planId": "nce-e3", "status": "` + source + `", "vendorSubscriptionId": "` + adoptLegacy + `"}` + extraSubs + `]},
    {"id": "1000077", "subscriptions": []}],
  "plans": {"nce-e3": {"name": "Office 365 E3 (NCE)"}}, "orders": []},
 "behaviour": {"rate_limits": "off", "durations": {"commerce.order": "100ms"}}}`
}

func adoption(mode, more string) string {
	return `subscription "adopted" {
  via              = "commerce"
  customer_id      = "` + adoptCustomer + `"
  microsoft_domain = "beta.onmicrosoft.com"
  migrate_from     = "` + adoptLegacy + `"
  term_duration    = "P1Y"
  billing_cycle    = "monthly"
` + more + `  commerce {
    account_id             = "` + account + `"
    source_subscription_id = "1000131"
    plan_id                = "nce-e3"
    mode                   = "` + mode + `"
  }
}

import {
  to = subscription.adopted
  id = "` + adoptCustomer + `/` + adoptNCE + `"
}
`
}

func TestAdoptionPlacesASalesOrderWithMigrationInfo(t *testing.T) {
	r := newRig(t, adoptWorld("TERMINATED", "", ""), adoption("new_subscription", "  quantity = 12\n"))
	code, out := r.plan()
	if code != app.ExitChanges || !strings.Contains(out, "adopt Microsoft subscription "+adoptNCE+" into Commerce account "+account+" on plan nce-e3") ||
		!strings.Contains(out, "csp_order_id: a1b2c3d4e5f6") {
		t.Fatalf("plan = %d", code)
	}
	if got := r.srv.Env().Stats.Get(partnercenter.OpListSubscriptions); got != 1 {
		t.Errorf("plan listed the Microsoft customer's subscriptions %d times, want 1", got)
	}
	if got := r.srv.Env().Stats.Get(partnercenter.OpGetSubscription); got != 0 {
		t.Errorf("plan read %d Microsoft subscriptions one by one, want none (one list per customer)", got)
	}
	if code, _ := r.apply(); code != app.ExitOK {
		t.Fatalf("apply = %d", code)
	}
	sales := r.ordersOf(commerce.OrderSales)
	if len(sales) != 1 || !sales[0].Completed() {
		t.Fatalf("sales orders = %+v", sales)
	}
	m := sales[0].Migration()
	if m == nil || m.MSCustomerID != adoptCustomer || m.SubscriptionID != adoptNCE || m.CSPOrderID != "a1b2c3d4e5f6" ||
		sales[0].Param(commerce.ParamTransactionID) == "" || sales[0].Param(commerce.ParamMicrosoftDomain) != "beta.onmicrosoft.com" || sales[0].Transaction() != nil {
		t.Errorf("adoption order = %+v (migration_info_object %+v)", sales[0], m)
	}
	if n := len(r.ordersOf(commerce.OrderCancellation)); n != 0 {
		t.Errorf("%d cancellations of an already terminated source", n)
	}
	var adopted []commerce.Subscription
	for _, s := range r.world().Accounts[0].Subscriptions {
		if s.VendorSubscriptionID == adoptNCE && s.Status == commerce.SubscriptionActive {
			adopted = append(adopted, s)
		}
	}
	if len(adopted) != 1 {
		t.Errorf("active Commerce subscriptions of %s after the adoption: %+v, want one", adoptNCE, adopted)
	}
	if code, _ := r.plan(); code != app.ExitOK {
		t.Errorf("second plan = %d, want no changes", code)
	}
}

func TestAdoptionCancelsAnActiveSource(t *testing.T) {
	r := newRig(t, adoptWorld("ACTIVE", "", ""), adoption("new_subscription", ""))
	if code, _ := r.apply(); code != app.ExitOK {
		t.Fatalf("apply = %d", code)
	}
	if s, c := len(r.ordersOf(commerce.OrderSales)), len(r.ordersOf(commerce.OrderCancellation)); s != 1 || c != 1 {
		t.Errorf("%d sales and %d cancellation orders, want 1 and 1", s, c)
	}
	if s := r.sub("1000131"); s.Status != commerce.SubscriptionTerminated {
		t.Errorf("source is %s, want terminated", s.Status)
	}
}

// Every difference from Microsoft is a plan error at the attribute, before any order.
func TestAdoptionMismatchIsAPlanErrorBeforeAnyOrder(t *testing.T) {
	for _, tc := range []struct {
		name, more, pc, want string
	}{
		{"quantity", "  quantity = 15\n", "", "the spec says quantity = 15, but Microsoft has quantity 12"},
		{"billing", "", `, "billingCycle": "annual"`, `the spec says billing_cycle = "monthly", but Microsoft has billingCycle "annual"`},
		{"term", "", `, "termDuration": "P1M"`, `the spec says term_duration = "P1Y", but Microsoft has termDuration "P1M"`},
		{"migrated from", "", `, "migratedFromSubscriptionId": "11111111-cccc-0000-0000-000000000009"`, `Microsoft has migratedFromSubscriptionId "11111111-cccc-0000-0000-000000000009"`},
		{"status", "", `, "status": "suspended"`, `Microsoft has status "suspended"`},
		{"legacy offer", "", `, "offerId": "796b6b5f-613c-4e24-a17c-eba730d49c02"`, "the legacy offer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The override comes last in the object: encoding/json keeps the last of duplicate keys.
			r := newRig(t, adoptWorld("TERMINATED", "", tc.pc), adoption("new_subscription", tc.more))
			code, out := r.plan()
			out = strings.Join(strings.Fields(out), " ") // the diagnostic is wrapped
			if code != app.ExitError || !strings.Contains(out, "Adopted subscription does not match") || !strings.Contains(out, tc.want) {
				t.Fatalf("plan = %d, want an error saying %q", code, tc.want)
			}
			if code, _ := r.apply(); code == app.ExitOK {
				t.Error("apply succeeded")
			}
			if got := r.srv.Env().Stats.Get(commerce.OpCreateOrder); got != 0 {
				t.Errorf("%d orders placed", got)
			}
			if got := r.srv.Env().Stats.Get(commerce.OpEstimateOrder); got != 0 {
				t.Errorf("%d estimates of an order that will not be placed", got)
			}
		})
	}
}

func TestAdoptionOfAnUnknownSubscriptionIsAPlanError(t *testing.T) {
	r := newRig(t, adoptWorld("TERMINATED", "", ""), strings.Replace(adoption("new_subscription", ""), adoptCustomer+"/"+adoptNCE, adoptCustomer+"/33333333-ffff-0000-0000-000000000000", 1))
	code, out := r.plan()
	if code != app.ExitError || !strings.Contains(out, "Subscription to adopt not found") {
		t.Fatalf("plan = %d", code)
	}
}

func TestAdoptionNeedsNewSubscriptionMode(t *testing.T) {
	r := newRig(t, adoptWorld("TERMINATED", "", ""), adoption("switch_plan", ""))
	code, out := r.plan()
	if code != app.ExitError || !strings.Contains(out, `Adoption needs mode = "new_subscription"`) {
		t.Fatalf("plan = %d", code)
	}
}

func TestAdoptionOfASubscriptionAlreadyInCommerce(t *testing.T) {
	// Already linked in this account: recorded, nothing ordered.
	r := newRig(t, adoptWorld("TERMINATED", `, {"id": "1000140", "planId": "nce-e3", "status": "ACTIVE", "vendorSubscriptionId": "`+adoptNCE+`"}`, ""),
		adoption("new_subscription", ""))
	code, out := r.plan()
	if code != app.ExitChanges || !strings.Contains(out, "is already Commerce subscription 1000140: recorded, nothing ordered") {
		t.Fatalf("plan = %d", code)
	}
	if code, _ := r.apply(); code != app.ExitOK {
		t.Fatalf("apply = %d", code)
	}
	if got := r.srv.Env().Stats.Get(commerce.OpCreateOrder); got != 0 {
		t.Errorf("%d orders placed", got)
	}
	// Linked in another account: adopting it here would link it twice.
	w := strings.Replace(adoptWorld("TERMINATED", "", ""), `{"id": "1000077", "subscriptions": []}`,
		`{"id": "1000077", "subscriptions": [{"id": "1000500", "planId": "nce-e3", "status": "ACTIVE", "vendorSubscriptionId": "`+adoptNCE+`"}]}`, 1)
	r = newRig(t, w, adoption("new_subscription", ""))
	code, out = r.plan()
	if code != app.ExitError || !strings.Contains(out, "Migration validation requirements not met") || !strings.Contains(out, "subscription 1000500 of account 1000077") {
		t.Fatalf("plan = %d", code)
	}
}

// The order a plan would place is estimated first (POST …/orders/estimate): one Commerce would
// refuse is blocked at plan time with Commerce's reason, and nothing is ordered.
func TestRefusedEstimateBlocksAtPlanTime(t *testing.T) {
	r := newRig(t, world(`, "durations": {"commerce.order": "100ms"}`),
		strings.Replace(subscription("a", "11111111-0000-0000-0000-000000000001", "1000122", "new_subscription", ""), `"nce-e3"`, `"nce-e9"`, 1)+
			subscription("b", "11111111-0000-0000-0000-000000000002", "1000123", "switch_plan", ""))
	code, out := r.plan()
	if code != app.ExitChanges || !strings.Contains(out, "Commerce refused the estimate of the sales order") || !strings.Contains(out, "plan nce-e9 does not exist") {
		t.Fatalf("plan = %d", code)
	}
	if got := r.srv.Env().Stats.Get(commerce.OpEstimateOrder); got != 2 {
		t.Errorf("%d estimates, want 2 (one per order to place)", got)
	}
	if code, _ := r.apply(); code != app.ExitBlocked {
		t.Fatalf("apply = %d, want %d (only the blocked change remains)", code, app.ExitBlocked)
	}
	if n := len(r.ordersOf(commerce.OrderSales)); n != 0 {
		t.Errorf("%d sales orders for a plan Commerce refused", n)
	}
	if n := len(r.ordersOf(commerce.OrderChange)); n != 1 {
		t.Errorf("%d change orders, want 1 (the other subscription goes ahead)", n)
	}
	// Nothing left to estimate once the change order is placed.
	before := r.srv.Env().Stats.Get(commerce.OpEstimateOrder)
	r.plan()
	if got := r.srv.Env().Stats.Get(commerce.OpEstimateOrder) - before; got != 1 {
		t.Errorf("%d estimates by the last plan, want 1 (only the refused order)", got)
	}
}

// Add-ons with a Commerce plan_id get order lines of their own, each with transaction_type
// NCEmigrationAddon, microsoft_domain and the base's transaction_id (CloudBlue's guide); the
// simulator creates each add-on's subscription on its plan.
func TestAddonPlansBecomeAddonLines(t *testing.T) {
	w := strings.Replace(world(`, "durations": {"commerce.order": "100ms"}`), `"plans": {"nce-e3": {"name": "Office 365 E3 (NCE)"}}`,
		`"plans": {"nce-e3": {}, "nce-audio": {}, "nce-phone": {}}`, 1)
	more := `  addon {
    migrate_from = "22222222-0000-0000-0000-000000000001"
    plan_id      = "nce-audio"
  }
  addon {
    migrate_from = "22222222-0000-0000-0000-000000000002"
    plan_id      = "nce-phone"
  }
`
	r := newRig(t, w, subscription("a", "11111111-0000-0000-0000-000000000001", "1000122", "new_subscription", more))
	if code, _ := r.apply(); code != app.ExitOK {
		t.Fatalf("apply = %d", code)
	}
	sales := r.ordersOf(commerce.OrderSales)
	if len(sales) != 1 || len(sales[0].Products) != 3 {
		t.Fatalf("sales orders = %+v", sales)
	}
	o := sales[0]
	tx := o.Param(commerce.ParamTransactionID)
	lines := o.AddonLines()
	if len(lines) != 2 || lines[0].PlanID != "nce-audio" || lines[1].PlanID != "nce-phone" {
		t.Fatalf("add-on lines = %+v", lines)
	}
	for _, l := range lines {
		one := commerce.Order{Products: []commerce.OrderProduct{l}}
		if one.Param(commerce.ParamTransactionID) != tx || one.Param(commerce.ParamMicrosoftDomain) != "alpha.onmicrosoft.com" {
			t.Errorf("add-on line %+v does not carry the base's transaction_id %s and the domain", l, tx)
		}
	}
	if base := o.Transaction(); base == nil || base.TransactionType != commerce.TransactionNCEMigration || len(base.Addons) != 2 {
		t.Errorf("base transaction_info_object = %+v", base)
	}
	plans := map[string]bool{}
	for _, s := range r.world().Accounts[0].Subscriptions {
		for _, p := range s.Parameters {
			if p.Key == commerce.ParamTransactionID && p.Value == tx {
				plans[s.PlanID] = true
			}
		}
	}
	if !plans["nce-e3"] || !plans["nce-audio"] || !plans["nce-phone"] {
		t.Errorf("plans of the subscriptions the order created: %v", plans)
	}
}
