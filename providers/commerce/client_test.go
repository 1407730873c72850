package commerce

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/ferry-dev/ferry/providers"
)

func TestClientSendsAPSTokenAndBoundsCallsInFlight(t *testing.T) {
	var cur, peak atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("APS-Token") != "tok" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		cur.Add(-1)
		_, _ = w.Write([]byte(`[]`))
	}))
	defer hs.Close()
	c := NewClient(hs.URL, "tok", nil)
	c.inFlight = make(chan struct{}, 2)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.ListOrders(context.Background(), "1000048"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if p := peak.Load(); p > 2 {
		t.Errorf("%d calls in flight, want at most 2", p)
	}
}

func TestClientErrorsAreReadable(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"code": 400, "type": "APSException", "message": "plan nce-x does not exist"}`))
	}))
	defer hs.Close()
	_, err := NewClient(hs.URL, "tok", nil).CreateOrder(context.Background(), Order{Type: OrderSales})
	if err == nil || err.Error() != "POST /aps/2/services/order-manager/orders: HTTP 400: APSException: plan nce-x does not exist" {
		t.Errorf("err = %v", err)
	}
}

func TestOpenNeedsEndpointAndToken(t *testing.T) {
	_, err := Open(context.Background(), providers.Config{Name: Name}, providers.Env{Getenv: func(string) string { return "tok" }})
	if err == nil || !strings.Contains(err.Error(), "endpoint is required") {
		t.Errorf("without endpoint: %v", err)
	}
	cfg := providers.Config{Name: Name, Values: map[string]cty.Value{"endpoint": cty.StringVal("https://commerce.example.com")}}
	_, err = Open(context.Background(), cfg, providers.Env{Getenv: func(string) string { return "" }})
	if err == nil || !strings.Contains(err.Error(), EnvToken) {
		t.Errorf("without token: %v", err)
	}
	p, err := Open(context.Background(), cfg, providers.Env{Getenv: func(string) string { return "tok" }})
	if err != nil || cap(p.client.inFlight) != DefaultOMWorkload {
		t.Errorf("open = %v, in flight %d", err, cap(p.client.inFlight))
	}
}

func TestEstimateOrderPostsTheOrderAndReturnsTheRefusal(t *testing.T) {
	var calls atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Method != http.MethodPost || r.URL.Path != "/aps/2/services/order-manager/orders/estimate" {
			t.Errorf("%s %s", r.Method, r.URL.Path)
		}
		if calls.Load() == 1 {
			w.WriteHeader(http.StatusServiceUnavailable) // retried: an estimate changes nothing
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"code": 400, "type": "APSException", "message": "plan nce-x does not exist"}`))
	}))
	defer hs.Close()
	c := NewClient(hs.URL, "tok", nil)
	c.retryWait = time.Millisecond
	err := c.EstimateOrder(context.Background(), SalesOrder(MigrationOrder{AccountID: "1000048", PlanID: "nce-x"}))
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 400 || ae.Message != "APSException: plan nce-x does not exist" || calls.Load() != 2 {
		t.Errorf("err = %v after %d calls", err, calls.Load())
	}
}

// An order is done when its provisioning is: an answer whose status says COMPLETED while its
// provisioningStatus is still PROVISIONING is under way (CloudBlue's own tool waits on
// provisioningStatus).
func TestOrderDoneOnProvisioningStatus(t *testing.T) {
	b, err := os.ReadFile("testdata/order_provisioning.json")
	if err != nil {
		t.Fatal(err)
	}
	var o Order
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatal(err)
	}
	if o.Completed() || o.Failed() {
		t.Errorf("an order still provisioning: completed=%v failed=%v", o.Completed(), o.Failed())
	}
	o.ProvisioningStatus = "Completed"
	if !o.Completed() {
		t.Error("provisioningStatus Completed is done")
	}
	o.ProvisioningStatus = "FAILED"
	if !o.Failed() {
		t.Error("provisioningStatus FAILED is a failure")
	}
	// An answer without provisioningStatus is read by its status.
	if o := (Order{Status: "completed"}); !o.Completed() {
		t.Error("status completed without provisioningStatus is done")
	}
}

// A 429 on a read is retried after the Retry-After it names, not sooner: a server that refuses any
// try before then is still answered.
func TestReadHonoursRetryAfter(t *testing.T) {
	var mu sync.Mutex
	var until time.Time
	tries := 0
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		tries++
		if until.IsZero() || time.Now().Before(until) {
			if until.IsZero() {
				until = time.Now().Add(time.Second)
			}
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"code": 429, "type": "TooManyRequests", "message": "Too many requests."}`))
			return
		}
		w.Write([]byte(`{"orderId": "o-1", "provisioningStatus": "COMPLETED"}`))
	}))
	defer hs.Close()
	c := NewClient(hs.URL, "tok", nil)
	c.retryWait = time.Millisecond
	o, err := c.GetOrder(context.Background(), "o-1")
	if err != nil || !o.Completed() || tries != 2 {
		t.Errorf("order %+v, err %v, %d tries (want 2: one refused, one after Retry-After)", o, err, tries)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for h, want := range map[string]time.Duration{"": 0, "3": 3 * time.Second, "-1": 0, "soon": 0,
		"Tue, 01 Dec 2026 10:00:07 GMT": 7 * time.Second, "Tue, 01 Dec 2026 09:00:00 GMT": 0, "999999": time.Hour} {
		if got := parseRetryAfter(h, now); got != want {
			t.Errorf("%q: %s, want %s", h, got, want)
		}
	}
}

// A cancellation listed with its subscriptionId at the top of the order (where CloudBlue's own tool
// writes it on a CHANGE) is still recognised as the cancellation of that subscription.
func TestOrderSubscriptionAtTop(t *testing.T) {
	var o Order
	if err := json.Unmarshal([]byte(`{"orderId": "o-2", "type": "CANCELLATION", "subscriptionId": "1000122", "products": []}`), &o); err != nil {
		t.Fatal(err)
	}
	if o.SubscriptionID() != "1000122" {
		t.Errorf("subscription = %q", o.SubscriptionID())
	}
	// ferry's own body is unchanged: the subscription on its line, none at the top.
	b, _ := json.Marshal(CancellationOrder("1000048", "1000122"))
	if want := `{"type":"CANCELLATION","accountId":"1000048","products":[{"subscriptionId":"1000122"}]}`; string(b) != want {
		t.Errorf("body %s, want %s", b, want)
	}
}
