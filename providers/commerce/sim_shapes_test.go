package commerce

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/providers/simkit"
)

// sameShape reports the differences between the shape of the simulator's answer and its documented
// fixture (simkit.ShapeProblems).
func sameShape(t *testing.T, name string, fixture, sim []byte, optional ...string) {
	t.Helper()
	problems, err := simkit.ShapeProblems(name, fixture, sim, optional...)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// shapeSim is a Commerce simulator alone (no Microsoft, no Connect) on a manual clock.
type shapeSim struct {
	srv   *httptest.Server
	clock *simkit.ManualClock
}

func newShapeSim(t *testing.T, world string, b simkit.Behaviour) *shapeSim {
	t.Helper()
	clock := simkit.NewManualClock(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	sim, err := NewSandboxSimulator(json.RawMessage(world), simkit.NewEnv(b, simkit.WithWallClock(clock.Now)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	return &shapeSim{srv: srv, clock: clock}
}

// call sends body (raw JSON, or nil) and returns the answer's status and body.
func (s *shapeSim) call(t *testing.T, method, path string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	if _, err := out.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out.Bytes()
}

// orderID reads the orderId of placeOrder's answer.
func orderID(t *testing.T, created []byte) string {
	t.Helper()
	var c struct {
		OrderID string `json:"orderId"`
	}
	if err := json.Unmarshal(created, &c); err != nil || c.OrderID == "" {
		t.Fatalf("placeOrder answered %s (%v)", created, err)
	}
	return c.OrderID
}

const shapeWorld = `{"accounts": [{"id": "1000048", "subscriptions": [
  {"id": "1000122", "planId": "legacy-e3", "status": "ACTIVE", "vendorSubscriptionId": "11111111-aaaa-4aaa-8aaa-000000000001"}]}],
 "orders": []}`

// TestSimShapesMatchFixtures compares, key for key, what the simulator answers with the documented
// fixtures for the same situations; the orders placed are the documented request bodies.
func TestSimShapesMatchFixtures(t *testing.T) {
	s := newShapeSim(t, shapeWorld, simkit.Behaviour{Faults: []simkit.Fault{
		{Operation: OpCreateOrder, Outcome: "fail", Match: "1000122"}}})
	orders := "/aps/2/services/order-manager/orders"

	// An order under way.
	st, created := s.call(t, http.MethodPost, orders, []byte(`{"type": "SALES", "accountId": "1000048", "products": [{"planId": "nce-e3"}]}`))
	if st != http.StatusCreated {
		t.Fatalf("placeOrder: %d %s", st, created)
	}
	sameShape(t, "order_created.json", readFixture(t, "order_created.json"), created)
	_, got := s.call(t, http.MethodGet, orders+"/"+orderID(t, created), nil)
	sameShape(t, "order_provisioning.json", readFixture(t, "order_provisioning.json"), got, ".products[].subscriptionId")

	// The documented migration order, completed.
	st, created = s.call(t, http.MethodPost, orders, readFixture(t, "order_sales_request.json"))
	if st != http.StatusCreated {
		t.Fatalf("placeOrder of order_sales_request.json: %d %s", st, created)
	}
	sales := orderID(t, created)
	// A cancellation that fails (an injected outcome).
	st, created = s.call(t, http.MethodPost, orders, []byte(`{"type": "CANCELLATION", "accountId": "1000048", "products": [{"subscriptionId": "1000122"}]}`))
	if st != http.StatusCreated {
		t.Fatalf("placeOrder of the cancellation: %d %s", st, created)
	}
	cancel := orderID(t, created)
	s.clock.Advance(3 * time.Second)
	_, got = s.call(t, http.MethodGet, orders+"/"+sales, nil)
	sameShape(t, "order_sales_completed.json", readFixture(t, "order_sales_completed.json"), got)
	var o struct {
		Status, ProvisioningStatus string
		Products                   []struct{ SubscriptionID string }
	}
	if err := json.Unmarshal(got, &o); err != nil || o.Status != "COMPLETED" || o.ProvisioningStatus != "COMPLETED" ||
		len(o.Products) != 2 || o.Products[0].SubscriptionID == "" {
		t.Errorf("the migration order after its time: %s", got)
	}
	_, got = s.call(t, http.MethodGet, orders+"/"+cancel, nil)
	sameShape(t, "order_failed.json", readFixture(t, "order_failed.json"), got)

	// The order list answers the same objects.
	_, list := s.call(t, http.MethodGet, orders+"?eq(accountId,1000048)", nil)
	var listed []json.RawMessage
	if err := json.Unmarshal(list, &listed); err != nil || len(listed) != 3 {
		t.Fatalf("order list = %s (%v)", list, err)
	}
	sameShape(t, "order_sales_completed.json", readFixture(t, "order_sales_completed.json"), listed[1])

	// The subscriptions: the world's, and the base's and add-on's the migration order created.
	_, subs := s.call(t, http.MethodGet, "/aps/2/services/subscription-manager/subscriptions?eq(accountId,1000048)", nil)
	sameShape(t, "subscriptions.json", readFixture(t, "subscriptions.json"), subs)
	if n := strings.Count(string(subs), `"123345"`); n != 2 {
		t.Errorf("%d subscriptions carry the order's transaction_id, want 2 (base and add-on): %s", n, subs)
	}

	// A refused order.
	st, got = s.call(t, http.MethodPost, orders, []byte(`{"type": "SALES", "accountId": "1000099", "products": [{"planId": "nce-e3"}]}`))
	if st != http.StatusBadRequest {
		t.Errorf("an order for an unknown account: %d", st)
	}
	sameShape(t, "error.json", readFixture(t, "error.json"), got)
}

// TestSimWritesTheWholeOrder: what placeOrder documents and the client never sends (period,
// resources, a subscriptionId at the top of the order) is kept and answered as it was sent.
func TestSimWritesTheWholeOrder(t *testing.T) {
	s := newShapeSim(t, shapeWorld, simkit.Behaviour{})
	orders := "/aps/2/services/order-manager/orders"
	body := `{"type": "CHANGE", "accountId": "1000048", "subscriptionId": "1000122",
	  "products": [{"planId": "nce-e3", "subscriptionId": "1000122", "period": {"unit": "MONTH", "duration": 1},
	    "resources": [{"resourceId": "a7b2c5e0-0000-4000-8000-000000000001", "amount": 25}]}]}`
	st, created := s.call(t, http.MethodPost, orders, []byte(body))
	if st != http.StatusCreated {
		t.Fatalf("placeOrder: %d %s", st, created)
	}
	_, got := s.call(t, http.MethodGet, orders+"/"+orderID(t, created), nil)
	var o SimOrder
	if err := json.Unmarshal(got, &o); err != nil {
		t.Fatal(err)
	}
	l := o.Products[0]
	if o.SubscriptionID != "1000122" || o.OrderNumber == "" || l.Period == nil || l.Period.Unit != "MONTH" || l.Period.Duration != 1 ||
		len(l.Resources) != 1 || l.Resources[0].Amount != 25 || l.Resources[0].ResourceID == "" {
		t.Errorf("order = %s", got)
	}
}
