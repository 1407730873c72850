package partnercenter

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/providers/simkit"
)

// IDs of the test world.
const (
	pcTCustomer  = "11111111-1111-1111-1111-111111111111"
	pcTCustomer2 = "22222222-2222-2222-2222-222222222222"
	pcTBase      = "aaaaaaaa-0000-0000-0000-000000000001"
	pcTAddOn     = "aaaaaaaa-0000-0000-0000-000000000002"
	pcTTrial     = "aaaaaaaa-0000-0000-0000-000000000003"
	pcTSuspended = "aaaaaaaa-0000-0000-0000-000000000004"
	pcTPromo     = "aaaaaaaa-0000-0000-0000-000000000005"
	pcTNoEquiv   = "aaaaaaaa-0000-0000-0000-000000000006"
	pcTBase2     = "aaaaaaaa-0000-0000-0000-000000000007"
	pcTAddOn2    = "aaaaaaaa-0000-0000-0000-000000000008"
	pcTBusy      = "aaaaaaaa-0000-0000-0000-000000000009"
	pcTOtherCust = "bbbbbbbb-0000-0000-0000-000000000001"
	pcTBusyMigr  = "cccccccc-0000-0000-0000-000000000001"
	pcOfferE3    = "796b6b5f-613c-4e24-a17c-eba730d49c02"
	pcOfferAddOn = "0a7a3e7e-4b5c-4d8c-9a4f-2f1e2d3c4b5a"
	pcOfferNoNCE = "91fd106f-4b2c-4938-95ac-f54f74e9a239"
	pcNceE3      = "CFQ7TTC0LF8Q:0001:CFQ7TTC0KQDF"
	pcNceAddOn   = "CFQ7TTC0LHSF:0001:CFQ7TTC0KDJW"
)

var (
	pcTT0        = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	pcTLegacyEnd = time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)
)

func pcLegacySub(id, offer string, mod func(*Subscription)) Subscription {
	end := pcTLegacyEnd
	s := Subscription{ID: id, OfferID: offer, OfferName: "Office 365 E3", Quantity: 25, Status: "active",
		BillingCycle: "monthly", TermDuration: "P1Y", CommitmentEndDate: &end, OrderID: "order-" + id[len(id)-4:],
		AutoRenewEnabled: true, ProductType: &ProductType{ID: "OnlineServices"}}
	if mod != nil {
		mod(&s)
	}
	return s
}

func pcTestWorld() SimWorld {
	started := pcTT0.Add(-time.Second)
	return SimWorld{
		Catalog: map[string]string{pcOfferE3: pcNceE3, pcOfferAddOn: pcNceAddOn},
		Customers: []SimCustomer{
			{ID: pcTCustomer, Domain: "contoso.onmicrosoft.com", Subscriptions: []Subscription{
				pcLegacySub(pcTBase, pcOfferE3, nil),
				pcLegacySub(pcTAddOn, pcOfferAddOn, func(s *Subscription) {
					s.ParentSubscriptionID = pcTBase
					s.Quantity = 5
					s.OfferName = "Audio Conferencing"
				}),
				pcLegacySub(pcTTrial, pcOfferE3, func(s *Subscription) { s.IsTrial = true }),
				pcLegacySub(pcTSuspended, pcOfferE3, func(s *Subscription) { s.Status = "suspended" }),
				pcLegacySub(pcTPromo, pcOfferE3, func(s *Subscription) { s.PromotionID = "39NFJQT1Q5KL:0001" }),
				pcLegacySub(pcTNoEquiv, pcOfferNoNCE, func(s *Subscription) { s.OfferName = "Dynamics 365 Legacy" }),
				pcLegacySub(pcTBase2, pcOfferE3, nil),
				pcLegacySub(pcTAddOn2, pcOfferAddOn, func(s *Subscription) { s.ParentSubscriptionID = pcTBase2 }),
				pcLegacySub(pcTBusy, pcOfferE3, nil),
			}},
			{ID: pcTCustomer2, Domain: "fabrikam.onmicrosoft.com", Subscriptions: []Subscription{
				pcLegacySub(pcTOtherCust, pcOfferE3, nil),
			}},
		},
		Migrations: []Migration{{ID: pcTBusyMigr, CurrentSubscriptionID: pcTBusy, Status: MigrationProcessing, StartedTime: &started,
			CatalogItemID: pcNceE3, Quantity: 25, TermDuration: "P1Y", BillingCycle: "monthly"}},
	}
}

// pcTestSim is a simulator on a manual clock behind an httptest server.
type pcTestSim struct {
	sim   *Simulator
	env   *simkit.Env
	clock *simkit.ManualClock
	srv   *httptest.Server
}

func pcNewTestSim(t *testing.T, w SimWorld, b simkit.Behaviour) *pcTestSim {
	t.Helper()
	if b.RateLimits == "" {
		b.RateLimits = simkit.RateLimitsOff
	}
	clock := simkit.NewManualClock(pcTT0)
	env := simkit.NewEnv(b, simkit.WithWallClock(clock.Now))
	sim := NewSimulator(w, env)
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	return &pcTestSim{sim: sim, env: env, clock: clock, srv: srv}
}

// call sends one raw request and decodes the JSON answer into out (when not nil).
func (ts *pcTestSim) call(t *testing.T, method, path string, body any, out any) *http.Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, ts.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: decoding %s: %v", method, path, data, err)
		}
	}
	return resp
}

// send sends one request from any goroutine and returns its status (0 on a transport error).
func (ts *pcTestSim) send(method, path string, body any) int {
	data, err := json.Marshal(body)
	if err != nil {
		return 0
	}
	req, err := http.NewRequest(method, ts.srv.URL+path, bytes.NewReader(data))
	if err != nil {
		return 0
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// client returns a real client of the test simulator whose sleeps are recorded, not slept.
func (ts *pcTestSim) client(t *testing.T, mod func(*ClientConfig)) (*Client, *pcSleepRecorder) {
	t.Helper()
	rec := &pcSleepRecorder{}
	cfg := ClientConfig{BaseURL: ts.srv.URL + "/v1", Sleep: rec.sleep, Limits: NoLimits(), CorrelationID: "corr-1"}
	if mod != nil {
		mod(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, rec
}

type pcSleepRecorder struct {
	mu     sync.Mutex
	sleeps []time.Duration
}

func (r *pcSleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	r.sleeps = append(r.sleeps, d)
	r.mu.Unlock()
	return ctx.Err()
}

func (r *pcSleepRecorder) all() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.sleeps...)
}

func pcFindSub(w SimWorld, id string) *Subscription {
	for _, c := range w.Customers {
		for i := range c.Subscriptions {
			if c.Subscriptions[i].ID == id {
				return &c.Subscriptions[i]
			}
		}
	}
	return nil
}

func pcMigratedFrom(w SimWorld, legacyID string) *Subscription {
	for _, c := range w.Customers {
		for i := range c.Subscriptions {
			if c.Subscriptions[i].MigratedFromSubscriptionID == legacyID {
				return &c.Subscriptions[i]
			}
		}
	}
	return nil
}
