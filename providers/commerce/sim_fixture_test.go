package commerce

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestClientDecodesFixtures serves the documented answers in testdata/ to the client and checks what
// it reads from them.
func TestClientDecodesFixtures(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost && r.URL.Path == pathOrders:
			w.WriteHeader(http.StatusCreated)
			w.Write(readFixture(t, "order_created.json"))
		case r.Method == http.MethodPost && r.URL.Path == pathOrders+"/estimate":
			w.WriteHeader(http.StatusBadRequest)
			w.Write(readFixture(t, "error.json"))
		case r.URL.Path == pathOrders+"/provisioning":
			w.Write(readFixture(t, "order_provisioning.json"))
		case r.URL.Path == pathOrders+"/completed":
			w.Write(readFixture(t, "order_sales_completed.json"))
		case r.URL.Path == pathOrders+"/failed":
			w.Write(readFixture(t, "order_failed.json"))
		case r.URL.Path == pathSubscriptions:
			w.Write(readFixture(t, "subscriptions.json"))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	c := NewClient(srv.URL, "tok", nil)
	ctx := context.Background()

	id, err := c.CreateOrder(ctx, CancellationOrder("1000048", "1000122"))
	if err != nil || id != "f0817852-282c-4047-a4d3-f6501939d5a6" {
		t.Errorf("CreateOrder = %q, %v", id, err)
	}

	p, err := c.GetOrder(ctx, "provisioning")
	if err != nil || p.Completed() || p.Failed() || p.OrderID == "" || p.Products[0].SubscriptionID != "1000140" {
		t.Errorf("provisioning order = %+v, %v; want read and not done", p, err)
	}

	o, err := c.GetOrder(ctx, "completed")
	if err != nil {
		t.Fatal(err)
	}
	if !o.Completed() || o.Failed() || o.Type != OrderSales || o.AccountID != "1000048" || o.SubscriptionID() != "1000140" ||
		o.CreationTime == "" || o.Param(ParamTransactionID) != "123345" || o.Param(ParamMicrosoftDomain) != "mybusiness.onmicrosoft.com" ||
		o.Param(ParamMigrationType) != "new_subscription" {
		t.Errorf("completed order = %+v", o)
	}
	tx := o.Transaction()
	if tx == nil || tx.TransactionType != TransactionNCEMigration || tx.SubscriptionID != "11111111-aaaa-4aaa-8aaa-000000000001" ||
		tx.MSCustomerID == "" || tx.CSPOrderID != "a1b2c3d4e5f6" || tx.PurchaseFullTerm == nil || *tx.PurchaseFullTerm ||
		len(tx.Addons) != 1 || tx.Addons[0].SubscriptionID != "11111111-aaaa-4aaa-8aaa-000000000002" ||
		tx.Addons[0].TermDuration != "P1Y" || tx.Addons[0].BillingCycle != "monthly" {
		t.Errorf("transaction_info_object = %+v", tx)
	}
	if lines := o.AddonLines(); len(lines) != 1 || lines[0].PlanID != "nce-audio" {
		t.Errorf("add-on lines = %+v", lines)
	}

	f, err := c.GetOrder(ctx, "failed")
	if err != nil || !f.Failed() || f.Completed() || f.Type != OrderCancellation || f.SubscriptionID() != "1000122" ||
		!strings.Contains(f.Details, "does not exist") {
		t.Errorf("failed order = %+v, %v", f, err)
	}

	subs, err := c.ListSubscriptions(ctx, "1000048")
	if err != nil || len(subs) != 2 || subs[0].ID != "1000122" || subs[0].Status != SubscriptionActive ||
		subs[0].VendorSubscriptionID != "11111111-aaaa-4aaa-8aaa-000000000001" || subs[1].PlanID != "nce-e3" ||
		len(subs[1].Parameters) != 1 || subs[1].Parameters[0].Value != "123345" {
		t.Errorf("subscriptions = %+v, %v", subs, err)
	}

	err = c.EstimateOrder(ctx, CancellationOrder("1000099", "1000122"))
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || ae.Temporary() ||
		ae.Message != "APSException: account 1000099 does not exist" {
		t.Errorf("estimate refused = %v", err)
	}
}
