package sandbox

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/providers/commerce"
	"github.com/ferry-dev/ferry/providers/connect"
	"github.com/ferry-dev/ferry/providers/partnercenter"
	"github.com/ferry-dev/ferry/providers/simkit"
	"github.com/ferry-dev/ferry/providers/table"
)

const linkWorld = `{
  "partnercenter": {
    "catalog": {"796b6b5f-613c-4e24-a17c-eba730d49c02": "CFQ7TTC0LF8Q:0001:CFQ7TTC0KQDF"},
    "customers": [{"id": "3f2a3b4c-1111-4a5b-8c9d-000000000001", "domain": "contoso.onmicrosoft.com", "subscriptions": [
      {"id": "11111111-aaaa-4aaa-8aaa-000000000001", "offerId": "796b6b5f-613c-4e24-a17c-eba730d49c02", "quantity": 5, "status": "active", "billingCycle": "monthly", "termDuration": "P1Y"},
      {"id": "11111111-aaaa-4aaa-8aaa-000000000009", "offerId": "00000000-0000-0000-0000-00000000dead", "quantity": 5, "status": "active", "billingCycle": "monthly", "termDuration": "P1Y"}]}]
  },
  "commerce": {"accounts": [{"id": "1000048", "subscriptions": [
    {"id": "1000122", "planId": "legacy-e3", "status": "ACTIVE", "vendorSubscriptionId": "11111111-aaaa-4aaa-8aaa-000000000001"}]}], "orders": []},
  "connect": {
    "products": {"PRD-183-233-565": {"configurations": []}},
    "assets": [{"id": "AS-1000-0000-0001", "status": "active", "product": {"id": "PRD-183-233-565"}, "marketplace": {"id": "MP-65669"},
      "params": [{"id": "subscription_id", "value": "11111111-aaaa-4aaa-8aaa-000000000001"}]}],
    "fulfilment": {"product": "PRD-183-233-565", "marketplace": "MP-65669"}
  },
  "behaviour": {"durations": {"commerce.order": "1m"}}
}`

func salesBody(legacy, tx string) string {
	return `{"type": "SALES", "accountId": "1000048", "products": [{"planId": "nce-e3", "parameters": [
	  {"key": "transaction_info_object", "structured_value": {"transaction_type": "NCEmigration", "ms_customer_id": "3f2a3b4c-1111-4a5b-8c9d-000000000001", "subscription_id": "` + legacy + `", "purchaseFullTerm": false}},
	  {"key": "microsoft_domain", "value": "contoso.onmicrosoft.com"},
	  {"key": "transaction_id", "value": "` + tx + `"}]}]}`
}

// A completed Commerce migration order is fulfilled through the link: Partner Center migrates the
// legacy subscription, Connect gets an approved purchase request and an active asset with the same
// transaction_id, and the Commerce subscription names the new Microsoft one; a cancellation
// terminates the Commerce subscription and its Connect asset. An ineligible subscription fails the
// order with Microsoft's reason.
func TestLinkedSimulatorsAgree(t *testing.T) {
	w, err := DecodeWorld("world.json", []byte(linkWorld), table.Default())
	if err != nil {
		t.Fatal(err)
	}
	clock := simkit.NewManualClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	srv, err := New(w, table.Default(), simkit.WithWallClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	orders := hs.URL + "/commerce/aps/2/services/order-manager/orders"

	var placed commerce.CreatedOrder
	if st := postJSON(t, orders, salesBody("11111111-aaaa-4aaa-8aaa-000000000001", "tx-1"), &placed); st != 201 {
		t.Fatalf("sales order: %d", st)
	}
	var bad commerce.CreatedOrder
	postJSON(t, orders, salesBody("11111111-aaaa-4aaa-8aaa-000000000009", "tx-2"), &bad)
	clock.Advance(2 * time.Minute)

	var o commerce.Order
	getJSON(t, orders+"/"+placed.OrderID, &o)
	if !o.Completed() || o.SubscriptionID() == "" {
		t.Fatalf("order = %+v", o)
	}
	getJSON(t, orders+"/"+bad.OrderID, &o)
	if !o.Failed() || !strings.Contains(o.Details, "Microsoft refused the migration") || !strings.Contains(o.Details, "No New Commerce product") {
		t.Errorf("ineligible order = %+v", o)
	}

	world := func() (pc partnercenter.SimWorld, cm commerce.SimWorld, cn connect.SimWorld) {
		raw, _ := json.Marshal(srv.World().Sections)
		var s map[string]json.RawMessage
		_ = json.Unmarshal(raw, &s)
		_ = json.Unmarshal(s["partnercenter"], &pc)
		_ = json.Unmarshal(s["commerce"], &cm)
		_ = json.Unmarshal(s["connect"], &cn)
		return
	}
	pc, cm, cn := world()
	var nce string
	for _, s := range pc.Customers[0].Subscriptions {
		if s.MigratedFromSubscriptionID == "11111111-aaaa-4aaa-8aaa-000000000001" && s.Status == "active" {
			nce = s.ID
		}
	}
	if nce == "" {
		t.Fatalf("Partner Center has no migrated subscription: %+v", pc.Customers[0].Subscriptions)
	}
	if len(pc.Migrations) != 1 || pc.Migrations[0].Status != "Completed" || pc.Migrations[0].ExternalReferenceID != "tx-1" ||
		pc.Migrations[0].NewCommerceSubscriptionID != nce {
		t.Errorf("Partner Center migrations = %+v, want one Completed with externalReferenceId tx-1", pc.Migrations)
	}
	var created commerce.SimSubscription
	for _, s := range cm.Accounts[0].Subscriptions {
		if s.ID == o.SubscriptionID() || s.VendorSubscriptionID == nce {
			created = s
		}
	}
	if created.VendorSubscriptionID != nce || created.Status != commerce.SubscriptionActive {
		t.Errorf("Commerce subscription = %+v, want active and synced with %s", created, nce)
	}
	var asset *connect.SimAsset
	for i, a := range cn.Assets {
		for _, p := range a.Params {
			if p.ID == "subscription_id" && p.Value == nce {
				asset = &cn.Assets[i]
			}
		}
	}
	if asset == nil || asset.Status != "active" || len(cn.Requests) != 1 || cn.Requests[0].Type != "purchase" || cn.Requests[0].Status != "approved" ||
		cn.Requests[0].Asset.ID != asset.ID {
		t.Fatalf("Connect after the order: assets %+v, requests %+v", cn.Assets, cn.Requests)
	}
	hasTx := false
	for _, p := range asset.Params {
		hasTx = hasTx || (p.ID == "transaction_id" && p.Value == "tx-1")
	}
	if !hasTx {
		t.Errorf("asset %s does not carry transaction_id tx-1: %+v", asset.ID, asset.Params)
	}

	// Cancelling the source terminates it in Commerce and its asset in Connect.
	postJSON(t, orders, `{"type": "CANCELLATION", "accountId": "1000048", "products": [{"subscriptionId": "1000122"}]}`, &placed)
	clock.Advance(2 * time.Minute)
	_, cm, cn = world()
	for _, s := range cm.Accounts[0].Subscriptions {
		if s.ID == "1000122" && s.Status != commerce.SubscriptionTerminated {
			t.Errorf("source is %s after its cancellation", s.Status)
		}
	}
	if a := cn.Assets[0]; a.ID != "AS-1000-0000-0001" || a.Status != "terminated" {
		t.Errorf("legacy asset after the cancellation = %+v", a)
	}
	if last := cn.Requests[len(cn.Requests)-1]; last.Type != "cancel" || last.Asset.ID != "AS-1000-0000-0001" {
		t.Errorf("last request = %+v, want the legacy asset's cancel request", last)
	}
}
