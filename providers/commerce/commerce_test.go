package commerce_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/app"
	"github.com/ferry-dev/ferry/providers/commerce"
	"github.com/ferry-dev/ferry/providers/sandbox"
	"github.com/ferry-dev/ferry/providers/simkit"
	"github.com/ferry-dev/ferry/providers/table"
)

// rig drives the real binary's commands (app) against the sandbox serving the Commerce simulator.
type rig struct {
	t   *testing.T
	dir string
	srv *sandbox.Server
	url string
}

const account = "1000048"

func world(extra string) string {
	return `{"commerce": {"accounts": [{"id": "` + account + `", "subscriptions": [
    {"id": "1000122", "planId": "legacy-e3", "status": "ACTIVE"},
    {"id": "1000123", "planId": "legacy-e3", "status": "ACTIVE"}]}],
  "plans": {"nce-e3": {"name": "Office 365 E3 (NCE)"}}, "orders": []},
 "behaviour": {"rate_limits": "off"` + extra + `}}`
}

func subscription(name, legacy, source, mode, more string) string {
	return `subscription "` + name + `" {
  via              = "commerce"
  customer_id      = "aaaaaaaa-0000-0000-0000-000000000001"
  microsoft_domain = "alpha.onmicrosoft.com"
  migrate_from     = "` + legacy + `"
  term_duration    = "P1Y"
  billing_cycle    = "monthly"
  commerce {
    account_id             = "` + account + `"
    source_subscription_id = "` + source + `"
    plan_id                = "nce-e3"
    mode                   = "` + mode + `"
  }
` + more + `}
`
}

const addons = `  addon {
    migrate_from = "22222222-0000-0000-0000-000000000001"
  }
  addon {
    migrate_from = "22222222-0000-0000-0000-000000000002"
  }
`

func newRig(t *testing.T, worldJSON, spec string) *rig {
	t.Helper()
	tbl := table.Default()
	w, err := sandbox.DecodeWorld("world.json", []byte(worldJSON), tbl)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sandbox.New(w, tbl)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	dir := t.TempDir()
	spec = "provider \"commerce\" {\n  endpoint = \"https://commerce.example.com\"\n}\n\n" + spec
	if err := os.WriteFile(filepath.Join(dir, "main.ferry.hcl"), []byte(spec), 0o600); err != nil {
		t.Fatal(err)
	}
	return &rig{t: t, dir: dir, srv: srv, url: hs.URL}
}

func (r *rig) run(name string, cmd func(g *app.Globals) int) (int, string) {
	r.t.Helper()
	var out, errb bytes.Buffer
	env := map[string]string{"FERRY_SANDBOX": r.url}
	g := &app.Globals{Chdir: r.dir, Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }, Providers: table.Default()}
	code := cmd(g)
	r.t.Logf("%s → %d\n%s%s", name, code, out.String(), errb.String())
	return code, out.String() + errb.String()
}

func (r *rig) plan() (int, string) {
	return r.run("plan", func(g *app.Globals) int {
		return app.Plan(context.Background(), g, app.PlanOptions{DetailedExitcode: true})
	})
}

func (r *rig) apply() (int, string) {
	return r.run("apply", func(g *app.Globals) int {
		return app.Apply(context.Background(), context.Background(), g, app.ApplyOptions{AutoApprove: true})
	})
}

// clientWorld is the simulator's world section as the client's types read it.
type clientWorld struct {
	Accounts []struct {
		ID            string                  `json:"id"`
		Subscriptions []commerce.Subscription `json:"subscriptions"`
	} `json:"accounts"`
	Orders []commerce.Order `json:"orders"`
}

func (r *rig) world() clientWorld {
	var w clientWorld
	raw, _ := json.Marshal(r.srv.Simulator(commerce.Name).Snapshot())
	if err := json.Unmarshal(raw, &w); err != nil {
		r.t.Fatal(err)
	}
	return w
}

func (r *rig) ordersOf(typ string) []commerce.Order {
	var out []commerce.Order
	for _, o := range r.world().Orders {
		if o.Type == typ {
			out = append(out, o)
		}
	}
	return out
}

func (r *rig) sub(id string) commerce.Subscription {
	for _, s := range r.world().Accounts[0].Subscriptions {
		if s.ID == id {
			return s
		}
	}
	r.t.Fatalf("no subscription %s", id)
	return commerce.Subscription{}
}

func TestNewSubscriptionModeOrdersThenCancels(t *testing.T) {
	r := newRig(t, world(`, "durations": {"commerce.order": "100ms"}`),
		subscription("a", "11111111-0000-0000-0000-000000000001", "1000122", "new_subscription", addons)+
			subscription("b", "11111111-0000-0000-0000-000000000002", "1000123", "new_subscription", ""))
	code, out := r.plan()
	if code != app.ExitChanges || !strings.Contains(out, "order plan nce-e3 in Commerce account 1000048 for legacy 11111111-0000-0000-0000-000000000001") {
		t.Fatalf("plan = %d", code)
	}
	if got := r.srv.Env().Stats.Get(commerce.OpCreateOrder); got != 0 {
		t.Fatalf("plan placed %d orders", got)
	}
	if got := r.srv.Env().Stats.Get(commerce.OpListOrders); got != 1 {
		t.Errorf("plan listed orders %d times for one account, want 1", got)
	}
	if code, _ := r.apply(); code != app.ExitOK {
		t.Fatalf("apply = %d", code)
	}
	sales, cancels := r.ordersOf(commerce.OrderSales), r.ordersOf(commerce.OrderCancellation)
	if len(sales) != 2 || len(cancels) != 2 {
		t.Fatalf("%d sales and %d cancellation orders, want 2 and 2", len(sales), len(cancels))
	}
	for _, o := range append(sales, cancels...) {
		if !o.Completed() {
			t.Errorf("order %s is %s", o.OrderID, o.Status)
		}
	}
	for _, id := range []string{"1000122", "1000123"} {
		if s := r.sub(id); s.Status != commerce.SubscriptionTerminated {
			t.Errorf("source %s is %s, want terminated", id, s.Status)
		}
	}
	// The base's order carries the ordering parameters; its add-ons share its transaction_id.
	var base commerce.Order
	for _, o := range sales {
		if tx := o.Transaction(); tx != nil && tx.SubscriptionID == "11111111-0000-0000-0000-000000000001" {
			base = o
		}
	}
	tx := base.Transaction()
	if tx == nil || tx.TransactionType != commerce.TransactionNCEMigration || len(tx.Addons) != 2 || tx.MSCustomerID != "aaaaaaaa-0000-0000-0000-000000000001" ||
		base.Param(commerce.ParamMicrosoftDomain) != "alpha.onmicrosoft.com" || base.Param(commerce.ParamTransactionID) == "" {
		t.Fatalf("base order = %+v", base)
	}
	shared := 0
	for _, s := range r.world().Accounts[0].Subscriptions {
		for _, p := range s.Parameters {
			if p.Key == commerce.ParamTransactionID && p.Value == base.Param(commerce.ParamTransactionID) {
				shared++
			}
		}
	}
	if shared != 3 {
		t.Errorf("%d subscriptions carry the base's transaction_id, want 3 (base and two add-ons)", shared)
	}
	if code, _ := r.plan(); code != app.ExitOK {
		t.Errorf("second plan = %d, want no changes", code)
	}
	if got := r.srv.Env().Stats.Get(commerce.OpCreateOrder); got != 4 {
		t.Errorf("%d orders placed, want 4", got)
	}
}

func TestSwitchPlanModeIsOneChangeOrder(t *testing.T) {
	r := newRig(t, world(`, "durations": {"commerce.order": "100ms"}`),
		subscription("a", "11111111-0000-0000-0000-000000000001", "1000122", "switch_plan", ""))
	if code, _ := r.apply(); code != app.ExitOK {
		t.Fatalf("apply = %d", code)
	}
	w := r.world()
	if len(w.Orders) != 1 || w.Orders[0].Type != commerce.OrderChange || !w.Orders[0].Completed() {
		t.Fatalf("orders = %+v", w.Orders)
	}
	if s := r.sub("1000122"); s.PlanID != "nce-e3" || s.Status != commerce.SubscriptionActive {
		t.Errorf("source after the change = %+v", s)
	}
	if code, _ := r.plan(); code != app.ExitOK {
		t.Errorf("second plan = %d, want no changes", code)
	}
}

func TestLostCreateAnswerIsReconciledByTransactionID(t *testing.T) {
	r := newRig(t, world(`, "durations": {"commerce.order": "100ms"}`),
		subscription("a", "11111111-0000-0000-0000-000000000001", "1000122", "new_subscription", addons))
	r.srv.Env().Faults.Set([]simkit.Fault{{Operation: commerce.OpCreateOrder, LostResponse: true, Status: 502, Count: 1}})
	if code, _ := r.apply(); code == app.ExitOK {
		t.Fatalf("apply with a lost answer = OK")
	}
	if n := len(r.ordersOf(commerce.OrderSales)); n != 1 {
		t.Fatalf("%d sales orders after the lost answer, want 1", n)
	}
	code, out := r.apply()
	if code != app.ExitOK {
		t.Fatalf("second apply = %d", code)
	}
	if !strings.Contains(out, "idempotency key") {
		t.Errorf("the second apply did not reconcile the order by its key")
	}
	if n, c := len(r.ordersOf(commerce.OrderSales)), len(r.ordersOf(commerce.OrderCancellation)); n != 1 || c != 1 {
		t.Errorf("%d sales and %d cancellation orders, want 1 and 1", n, c)
	}
	if got := r.srv.Env().Stats.Get(commerce.OpCreateOrder); got != 2 {
		t.Errorf("%d orders sent, want 2", got)
	}
}

func TestOrderPastItsTimeoutStaysInProgressAndIsPickedUp(t *testing.T) {
	// 600× time: an order takes 10 simulated minutes (1 s), the timeout is 3 simulated minutes (300 ms).
	r := newRig(t, world(`, "time_factor": 600, "durations": {"commerce.order": "10m"}`),
		subscription("a", "11111111-0000-0000-0000-000000000001", "1000122", "new_subscription", "  timeouts {\n    order = \"3m\"\n  }\n"))
	code, out := r.apply()
	if code == app.ExitOK || !strings.Contains(out, "in progress") {
		t.Fatalf("apply past the order timeout = %d, want the change left in progress", code)
	}
	first := r.ordersOf(commerce.OrderSales)
	if len(first) != 1 || first[0].Completed() {
		t.Fatalf("sales orders = %+v", first)
	}
	code, out = r.plan()
	if !strings.Contains(out, "wait for sales order "+first[0].OrderID) {
		t.Errorf("plan does not pick up order %s", first[0].OrderID)
	}
	for try := 0; try < 6 && code != app.ExitOK; try++ {
		time.Sleep(1100 * time.Millisecond)
		code, _ = r.apply()
	}
	if code != app.ExitOK {
		t.Fatalf("apply never finished")
	}
	sales, cancels := r.ordersOf(commerce.OrderSales), r.ordersOf(commerce.OrderCancellation)
	if len(sales) != 1 || sales[0].OrderID != first[0].OrderID || len(cancels) != 1 {
		t.Errorf("orders after resuming: %d sales (%v), %d cancellations", len(sales), sales, len(cancels))
	}
}

func TestDoublyLinkedLegacySubscriptionIsAPlanErrorAndNothingIsOrdered(t *testing.T) {
	const legacy = "11111111-0000-0000-0000-000000000001"
	w := `{"commerce": {"accounts": [
    {"id": "1000048", "subscriptions": [{"id": "1000122", "planId": "legacy-e3", "status": "ACTIVE", "vendorSubscriptionId": "` + legacy + `"}]},
    {"id": "1000050", "subscriptions": [{"id": "1000777", "planId": "legacy-e3", "status": "ACTIVE", "vendorSubscriptionId": "` + legacy + `"}]}],
  "orders": []},
 "behaviour": {"rate_limits": "off", "durations": {"commerce.order": "100ms"}}}`
	r := newRig(t, w, subscription("a", legacy, "1000122", "new_subscription", ""))
	code, out := r.plan()
	if code != app.ExitError || !strings.Contains(out, "Migration validation requirements not met") ||
		!strings.Contains(out, "subscription 1000122 of account 1000048") || !strings.Contains(out, "subscription 1000777 of account 1000050") {
		t.Fatalf("plan = %d, want an error naming both Commerce subscriptions", code)
	}
	if code, _ := r.apply(); code == app.ExitOK {
		t.Errorf("apply of a doubly-linked subscription succeeded")
	}
	if got := r.srv.Env().Stats.Get(commerce.OpCreateOrder); got != 0 {
		t.Errorf("%d orders placed for a doubly-linked subscription", got)
	}
}

func TestFailedOrderIsRetriedUnderANewTransactionID(t *testing.T) {
	r := newRig(t, world(`, "durations": {"commerce.order": "100ms"}`),
		subscription("a", "11111111-0000-0000-0000-000000000001", "1000122", "new_subscription", ""))
	r.srv.Env().Faults.Set([]simkit.Fault{{Operation: commerce.OpCreateOrder, Outcome: "fail", Count: 1}})
	if code, _ := r.apply(); code == app.ExitOK {
		t.Fatalf("apply with a failing order = OK")
	}
	failed := r.ordersOf(commerce.OrderSales)
	if len(failed) != 1 || !failed[0].Failed() {
		t.Fatalf("sales orders = %+v", failed)
	}
	code, out := r.plan()
	if code != app.ExitChanges || !strings.Contains(out, "the previous sales order "+failed[0].OrderID+" failed") {
		t.Fatalf("plan after the failure = %d", code)
	}
	if code, _ := r.apply(); code != app.ExitOK {
		t.Fatalf("second apply = %d", code)
	}
	sales := r.ordersOf(commerce.OrderSales)
	if len(sales) != 2 || !sales[1].Completed() || sales[1].Param(commerce.ParamTransactionID) == failed[0].Param(commerce.ParamTransactionID) {
		t.Errorf("sales orders after the retry = %+v", sales)
	}
	if n := len(r.ordersOf(commerce.OrderCancellation)); n != 1 {
		t.Errorf("%d cancellations, want 1", n)
	}
}

// TestLostOrderIsNotPlacedAgainWhileTheOrderListLags: the answer to a sales order is lost, and the
// account's order list shows a new order only 2 s after it was placed (behaviour.query_lag, the
// eventual consistency of a real order list). A re-apply started at once did not find the order by
// its transaction_id and placed a second one. Now it looks again once the settle time has passed
// and finds the first.
func TestLostOrderIsNotPlacedAgainWhileTheOrderListLags(t *testing.T) {
	r := newRig(t, world(`, "query_lag": "2s", "durations": {"commerce.order": "100ms"}`),
		subscription("a", "11111111-0000-0000-0000-000000000001", "1000122", "new_subscription", addons))
	r.srv.Env().Faults.Set([]simkit.Fault{{Operation: commerce.OpCreateOrder, LostResponse: true, Status: 502, Count: 1}})
	if code, _ := r.apply(); code == app.ExitOK {
		t.Fatalf("apply with a lost answer = OK")
	}
	code, out := r.apply()
	if n := len(r.ordersOf(commerce.OrderSales)); n != 1 {
		t.Fatalf("%d sales orders after a re-apply while the order list lagged, want 1 (the lost one, found)", n)
	}
	if code != app.ExitOK {
		t.Fatalf("second apply = %d", code)
	}
	if !strings.Contains(out, "idempotency key") {
		t.Errorf("the second apply did not reconcile the order by its key")
	}
	if got := r.srv.Env().Stats.Get(commerce.OpCreateOrder); got != 2 {
		t.Errorf("%d orders sent, want 2 (the lost sales order and the cancellation)", got)
	}
}
