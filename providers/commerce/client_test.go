package commerce

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
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
