package partnercenter

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/providers/simkit"
	"github.com/google/go-cmp/cmp"
)

func TestClientHeaders(t *testing.T) {
	ts := pcNewTestSim(t, pcTestWorld(), simkit.Behaviour{})
	var mu sync.Mutex
	var seen []http.Header
	inner := ts.srv.Config.Handler
	ts.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Clone())
		mu.Unlock()
		inner.ServeHTTP(w, r)
	})
	c, _ := ts.client(t, nil)
	ctx := context.Background()
	if _, err := c.GetSubscription(ctx, pcTCustomer, pcTBase); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateMigration(ctx, pcTCustomer, MigrationRequest{CurrentSubscriptionID: pcTBase, ExternalReferenceID: "key-42"}, "key-42"); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 {
		t.Fatalf("requests = %d", len(seen))
	}
	for i, h := range seen {
		if h.Get("Accept") != "application/json" || h.Get("MS-CorrelationId") != "corr-1" || h.Get("MS-RequestId") == "" {
			t.Errorf("request %d headers = %v", i, h)
		}
	}
	if seen[0].Get("MS-RequestId") == seen[1].Get("MS-RequestId") {
		t.Error("two calls shared an MS-RequestId")
	}
	if got := seen[1].Get("MS-RequestId"); got != "key-42" {
		t.Errorf("create MS-RequestId = %q, want the idempotency key", got)
	}
	if got := seen[1].Get("Content-Type"); got != "application/json" {
		t.Errorf("create Content-Type = %q", got)
	}
}

func TestClientOperations(t *testing.T) {
	ts := pcNewTestSim(t, pcTestWorld(), simkit.Behaviour{PageSize: 2})
	c, _ := ts.client(t, nil)
	ctx := context.Background()

	subs, err := c.ListSubscriptions(ctx, pcTCustomer)
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 9 || subs[0].ID != pcTBase || subs[8].ID != pcTBusy {
		t.Fatalf("ListSubscriptions = %d items", len(subs))
	}
	if got := ts.env.Stats.Get(OpListSubscriptions); got != 5 {
		t.Errorf("pages fetched = %d, want 5", got)
	}
	if _, err := c.GetSubscription(ctx, pcTCustomer, "nope"); !IsNotFound(err) {
		t.Errorf("GetSubscription(unknown) = %v, want not found", err)
	}
	if _, err := c.ListSubscriptions(ctx, "99999999-9999-9999-9999-999999999999"); !IsNotFound(err) {
		t.Errorf("ListSubscriptions(unknown customer) = %v, want not found", err)
	}

	res, err := c.ValidateMigration(ctx, pcTCustomer, MigrationRequest{CurrentSubscriptionID: pcTTrial})
	if err != nil || res.IsEligible || len(res.Errors) != 1 || res.Errors[0].Code != EligibilityNewCommerceProductUnavailable {
		t.Fatalf("ValidateMigration(trial) = %+v, %v", res, err)
	}
	res, err = c.ValidateMigration(ctx, pcTCustomer, MigrationRequest{CurrentSubscriptionID: pcTBase})
	if err != nil || !res.IsEligible || res.CatalogItemID != pcNceE3 {
		t.Fatalf("ValidateMigration(base) = %+v, %v", res, err)
	}

	_, err = c.CreateMigration(ctx, pcTCustomer, MigrationRequest{CurrentSubscriptionID: pcTTrial}, "k-trial")
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != 400 || ae.Code != "800002" || ae.RequestID != "k-trial" || ae.Operation != OpCreateMigration {
		t.Fatalf("CreateMigration(trial) = %v", err)
	}
	if _, err := c.CreateMigration(ctx, pcTCustomer, MigrationRequest{CurrentSubscriptionID: pcTBusy}, "k-busy"); !IsConflict(err) {
		t.Fatalf("CreateMigration(busy) = %v, want conflict", err)
	}
	m, err := c.CreateMigration(ctx, pcTCustomer, MigrationRequest{CurrentSubscriptionID: pcTBase, ExternalReferenceID: "k-1"}, "k-1")
	if err != nil || m.Status != MigrationProcessing || m.ExternalReferenceID != "k-1" {
		t.Fatalf("CreateMigration = %+v, %v", m, err)
	}
	ts.clock.Advance(3 * time.Second)
	got, err := c.GetMigration(ctx, pcTCustomer, m.ID)
	if err != nil || got.Status != MigrationCompleted || got.NewCommerceSubscriptionID == "" {
		t.Fatalf("GetMigration = %+v, %v", got, err)
	}
	if _, err := c.GetMigration(ctx, pcTCustomer, "nope"); !IsNotFound(err) {
		t.Errorf("GetMigration(unknown) = %v", err)
	}

	for _, q := range []MigrationQuery{
		{ExternalReferenceID: "k-1"},
		{CustomerTenantID: pcTCustomer, CurrentSubscriptionID: pcTBase},
	} {
		list, err := c.ListMigrations(ctx, q)
		if err != nil || len(list) != 1 || list[0].ID != m.ID {
			t.Errorf("ListMigrations(%+v) = %+v, %v", q, list, err)
		}
	}
	all, err := c.ListMigrations(ctx, MigrationQuery{CustomerTenantID: pcTCustomer})
	if err != nil || len(all) != 2 {
		t.Errorf("ListMigrations(customer) = %d, %v", len(all), err)
	}
	none, err := c.ListMigrations(ctx, MigrationQuery{ExternalReferenceID: "never"})
	if err != nil || len(none) != 0 {
		t.Errorf("ListMigrations(never) = %+v, %v", none, err)
	}
	if _, err := c.ListMigrations(ctx, MigrationQuery{}); err == nil {
		t.Error("ListMigrations without a filter succeeded")
	}
}

func TestClientRequiredArguments(t *testing.T) {
	c, err := NewClient(ClientConfig{BaseURL: "https://example.invalid/v1"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"list", func() error { _, err := c.ListSubscriptions(ctx, ""); return err }, "customerID is required"},
		{"get", func() error { _, err := c.GetSubscription(ctx, "c", ""); return err }, "subscriptionID is required"},
		{"validate", func() error { _, err := c.ValidateMigration(ctx, "c", MigrationRequest{}); return err }, "currentSubscriptionId is required"},
		{"create", func() error {
			_, err := c.CreateMigration(ctx, "c", MigrationRequest{CurrentSubscriptionID: "s"}, "")
			return err
		}, "requestID is required"},
		{"migration", func() error { _, err := c.GetMigration(ctx, "", "m"); return err }, "customerID is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestNewClientConfig(t *testing.T) {
	for _, u := range []string{"", "api.partnercenter.microsoft.com/v1", "ftp://x/v1", "https:///v1", "http://[::1"} {
		if _, err := NewClient(ClientConfig{BaseURL: u}); err == nil {
			t.Errorf("NewClient(%q) succeeded", u)
		}
	}
	c, err := NewClient(ClientConfig{BaseURL: "https://api.partnercenter.microsoft.com/v1/"})
	if err != nil {
		t.Fatal(err)
	}
	if c.CorrelationID() == "" || c.maxRetries != 8 {
		t.Errorf("defaults: correlation %q, retries %d", c.CorrelationID(), c.maxRetries)
	}
	if got := c.endpoint("customers", "a/b", "subscriptions"); got != "https://api.partnercenter.microsoft.com/v1/customers/a%2Fb/subscriptions" {
		t.Errorf("endpoint = %s", got)
	}
}

func TestClientRetries(t *testing.T) {
	tests := []struct {
		name       string
		faults     []simkit.Fault
		maxRetries int
		call       func(ctx context.Context, c *Client) error
		wantErr    func(error) bool
		wantSleeps func([]time.Duration) error
		wantCalls  map[string]int64
	}{
		{
			name:   "429 honours Retry-After seconds",
			faults: []simkit.Fault{{Operation: OpGetSubscription, Status: 429, Count: 2, RetryAfter: simkit.Duration(3 * time.Second)}},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.GetSubscription(ctx, pcTCustomer, pcTBase)
				return err
			},
			wantSleeps: exactly(3*time.Second, 3*time.Second),
			wantCalls:  map[string]int64{OpGetSubscription: 3},
		},
		{
			name:   "5xx on a read backs off exponentially",
			faults: []simkit.Fault{{Operation: OpListSubscriptions, Status: 503, Count: 3}},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.ListSubscriptions(ctx, pcTCustomer)
				return err
			},
			wantSleeps: backoffs(3),
			wantCalls:  map[string]int64{OpListSubscriptions: 4},
		},
		{
			name:   "validate is retried on 500",
			faults: []simkit.Fault{{Operation: OpValidateMigration, Status: 500, Count: 1}},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.ValidateMigration(ctx, pcTCustomer, MigrationRequest{CurrentSubscriptionID: pcTBase})
				return err
			},
			wantSleeps: backoffs(1),
			wantCalls:  map[string]int64{OpValidateMigration: 2},
		},
		{
			name:       "retries run out",
			faults:     []simkit.Fault{{Operation: OpGetMigration, Status: 500}},
			maxRetries: 2,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.GetMigration(ctx, pcTCustomer, pcTBusyMigr)
				return err
			},
			wantErr: func(err error) bool {
				var ae *APIError
				return errors.As(err, &ae) && ae.StatusCode == 500 && !IsUnknownOutcome(err)
			},
			wantSleeps: backoffs(2),
			wantCalls:  map[string]int64{OpGetMigration: 3},
		},
		{
			name:   "create is retried on 429",
			faults: []simkit.Fault{{Operation: OpCreateMigration, Status: 429, Count: 1, RetryAfter: simkit.Duration(2 * time.Second)}},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.CreateMigration(ctx, pcTCustomer, MigrationRequest{CurrentSubscriptionID: pcTBase, ExternalReferenceID: "k"}, "k")
				return err
			},
			wantSleeps: exactly(2 * time.Second),
			wantCalls:  map[string]int64{OpCreateMigration: 2},
		},
		{
			name:   "create is not retried on 500",
			faults: []simkit.Fault{{Operation: OpCreateMigration, Status: 500, Count: 1}},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.CreateMigration(ctx, pcTCustomer, MigrationRequest{CurrentSubscriptionID: pcTBase, ExternalReferenceID: "k"}, "k")
				return err
			},
			wantErr: func(err error) bool {
				var ue *UnknownOutcomeError
				return errors.As(err, &ue) && ue.RequestID == "k" && hasStatus(err, 500) && strings.Contains(err.Error(), "outcome unknown")
			},
			wantSleeps: exactly(),
			wantCalls:  map[string]int64{OpCreateMigration: 1},
		},
		{
			name:   "create with a lost response (500)",
			faults: []simkit.Fault{{Operation: OpCreateMigration, Status: 500, LostResponse: true, Count: 1}},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.CreateMigration(ctx, pcTCustomer, MigrationRequest{CurrentSubscriptionID: pcTBase, ExternalReferenceID: "k"}, "k")
				return err
			},
			wantErr:    IsUnknownOutcome,
			wantSleeps: exactly(),
			wantCalls:  map[string]int64{OpCreateMigration: 1},
		},
		{
			name:   "create with a dropped connection",
			faults: []simkit.Fault{{Operation: OpCreateMigration, LostResponse: true, Count: 1}},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.CreateMigration(ctx, pcTCustomer, MigrationRequest{CurrentSubscriptionID: pcTBase, ExternalReferenceID: "k"}, "k")
				return err
			},
			wantErr:    IsUnknownOutcome,
			wantSleeps: exactly(),
			wantCalls:  map[string]int64{OpCreateMigration: 1},
		},
		{
			name:   "read with a dropped connection is retried",
			faults: []simkit.Fault{{Operation: OpGetSubscription, LostResponse: true, Count: 1}},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.GetSubscription(ctx, pcTCustomer, pcTBase)
				return err
			},
			wantSleeps: backoffs(1),
			wantCalls:  map[string]int64{OpGetSubscription: 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := pcNewTestSim(t, pcTestWorld(), simkit.Behaviour{Faults: tt.faults})
			c, rec := ts.client(t, func(cfg *ClientConfig) { cfg.MaxRetries = tt.maxRetries })
			err := tt.call(context.Background(), c)
			if tt.wantErr == nil && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tt.wantErr != nil && !tt.wantErr(err) {
				t.Fatalf("error = %v (%T)", err, err)
			}
			if err := tt.wantSleeps(rec.all()); err != nil {
				t.Errorf("sleeps %v: %v", rec.all(), err)
			}
			for op, n := range tt.wantCalls {
				if got := ts.env.Stats.Get(op); got != n {
					t.Errorf("%s requests = %d, want %d", op, got, n)
				}
			}
		})
	}
}

func exactly(want ...time.Duration) func([]time.Duration) error {
	return func(got []time.Duration) error {
		if len(want) == 0 && len(got) == 0 {
			return nil
		}
		if diff := cmp.Diff(want, got); diff != "" {
			return fmt.Errorf("(-want +got):\n%s", diff)
		}
		return nil
	}
}

// backoffs checks n exponential backoff waits: attempt i waits between half and all of 500ms·2^i.
func backoffs(n int) func([]time.Duration) error {
	return func(got []time.Duration) error {
		if len(got) != n {
			return fmt.Errorf("got %d sleeps, want %d", len(got), n)
		}
		for i, d := range got {
			ceiling := backoffBase << i
			if d < ceiling/2 || d > ceiling {
				return fmt.Errorf("sleep %d = %v, want within [%v, %v]", i, d, ceiling/2, ceiling)
			}
		}
		return nil
	}
}

func TestClientLostResponseIsReconcilable(t *testing.T) {
	ts := pcNewTestSim(t, pcTestWorld(), simkit.Behaviour{Faults: []simkit.Fault{{Operation: OpCreateMigration, LostResponse: true, Count: 1}}})
	c, _ := ts.client(t, nil)
	ctx := context.Background()
	_, err := c.CreateMigration(ctx, pcTCustomer, MigrationRequest{CurrentSubscriptionID: pcTBase, ExternalReferenceID: "key-9"}, "key-9")
	if !IsUnknownOutcome(err) {
		t.Fatalf("err = %v", err)
	}
	found, err := c.ListMigrations(ctx, MigrationQuery{CustomerTenantID: pcTCustomer, ExternalReferenceID: "key-9"})
	if err != nil || len(found) != 1 || found[0].CurrentSubscriptionID != pcTBase {
		t.Fatalf("reconcile = %+v, %v", found, err)
	}
}

func TestClientConnectionRefusedIsRetriedEvenForCreate(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	rec := &pcSleepRecorder{}
	var logs []string
	logf := func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }
	c, err := NewClient(ClientConfig{BaseURL: url + "/v1", Sleep: rec.sleep, MaxRetries: 2, Limits: NoLimits(), Log: logf})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateMigration(context.Background(), pcTCustomer, MigrationRequest{CurrentSubscriptionID: pcTBase}, "k")
	if err == nil || IsUnknownOutcome(err) {
		t.Fatalf("err = %v, want a plain connection error (nothing was sent)", err)
	}
	if n := len(rec.all()); n != 2 {
		t.Errorf("sleeps = %d, want 2", n)
	}
	// The operation is named once in the error and in each retry line, never twice.
	for _, msg := range append([]string{err.Error()}, logs...) {
		if n := strings.Count(msg, "partnercenter"); n > 1 {
			t.Errorf("%q names partnercenter %d times, want at most once", msg, n)
		}
	}
}

func TestClientContextCancelStopsRetries(t *testing.T) {
	ts := pcNewTestSim(t, pcTestWorld(), simkit.Behaviour{Faults: []simkit.Fault{{Operation: OpGetSubscription, Status: 503}}})
	ctx, cancel := context.WithCancel(context.Background())
	c, _ := ts.client(t, func(cfg *ClientConfig) {
		cfg.Sleep = func(ctx context.Context, d time.Duration) error { cancel(); return ctx.Err() }
	})
	_, err := c.GetSubscription(ctx, pcTCustomer, pcTBase)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := strings.Count(err.Error(), OpGetSubscription); n != 1 {
		t.Errorf("%q names the operation %d times, want once", err, n)
	}
	if got := ts.env.Stats.Get(OpGetSubscription); got != 1 {
		t.Errorf("requests = %d, want 1", got)
	}
}

// TestClientAgainstRawServer covers answers the simulator never gives.
func TestClientAgainstRawServer(t *testing.T) {
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		call    func(ctx context.Context, c *Client) error
		check   func(t *testing.T, err error, sleeps []time.Duration)
	}{
		{
			name: "Retry-After as an HTTP date",
			handler: func() http.HandlerFunc {
				n := 0
				return func(w http.ResponseWriter, r *http.Request) {
					n++
					if n == 1 {
						w.Header().Set("Retry-After", date)
						w.WriteHeader(429)
						return
					}
					fmt.Fprint(w, `{"id":"s1","quantity":1,"status":"active"}`)
				}
			}(),
			call: func(ctx context.Context, c *Client) error { _, err := c.GetSubscription(ctx, "c", "s1"); return err },
			check: func(t *testing.T, err error, sleeps []time.Duration) {
				if err != nil || len(sleeps) != 1 || sleeps[0] < 80*time.Second || sleeps[0] > 91*time.Second {
					t.Errorf("err %v, sleeps %v", err, sleeps)
				}
			},
		},
		{
			name: "type error names the field",
			handler: func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, `{"totalCount":1,"items":[{"id":"s1","quantity":"lots"}]}`)
			},
			call: func(ctx context.Context, c *Client) error { _, err := c.ListSubscriptions(ctx, "c"); return err },
			check: func(t *testing.T, err error, _ []time.Duration) {
				var de *DecodeError
				if !errors.As(err, &de) || de.Operation != OpListSubscriptions || !strings.Contains(de.Field, "quantity") {
					t.Errorf("err = %v", err)
				}
			},
		},
		{
			name:    "syntax error gives the offset",
			handler: func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"id": "m1", "status": }`) },
			call:    func(ctx context.Context, c *Client) error { _, err := c.GetMigration(ctx, "c", "m1"); return err },
			check: func(t *testing.T, err error, _ []time.Duration) {
				var de *DecodeError
				if !errors.As(err, &de) || de.Operation != OpGetMigration || de.Offset == 0 {
					t.Errorf("err = %v", err)
				}
			},
		},
		{
			name: "missing id is reported",
			handler: func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, `{"items":[{"id":"m1"},{"status":"Completed"}]}`)
			},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.ListMigrations(ctx, MigrationQuery{ExternalReferenceID: "k"})
				return err
			},
			check: func(t *testing.T, err error, _ []time.Duration) {
				var de *DecodeError
				if !errors.As(err, &de) || de.Field != "items.1.id" {
					t.Errorf("err = %v", err)
				}
			},
		},
		{
			name:    "an unreadable 2xx answer to create is an unknown outcome",
			handler: func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `<html>`) },
			call: func(ctx context.Context, c *Client) error {
				_, err := c.CreateMigration(ctx, "c", MigrationRequest{CurrentSubscriptionID: "s"}, "k")
				return err
			},
			check: func(t *testing.T, err error, _ []time.Duration) {
				var de *DecodeError
				if !IsUnknownOutcome(err) || !errors.As(err, &de) {
					t.Errorf("err = %v", err)
				}
			},
		},
		{
			name: "error body with a string code",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(403)
				fmt.Fprint(w, `{"code":"Forbidden","message":"The partner is not authorized."}`)
			},
			call: func(ctx context.Context, c *Client) error { _, err := c.GetSubscription(ctx, "c", "s"); return err },
			check: func(t *testing.T, err error, _ []time.Duration) {
				var ae *APIError
				if !errors.As(err, &ae) || ae.StatusCode != 403 || ae.Code != "Forbidden" || ae.Description != "The partner is not authorized." {
					t.Errorf("err = %#v", err)
				}
			},
		},
		{
			name: "error without a body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(401)
			},
			call: func(ctx context.Context, c *Client) error { _, err := c.GetSubscription(ctx, "c", "s"); return err },
			check: func(t *testing.T, err error, sleeps []time.Duration) {
				var ae *APIError
				if !errors.As(err, &ae) || ae.StatusCode != 401 || ae.Description != "Unauthorized" || len(sleeps) != 0 {
					t.Errorf("err = %v, sleeps %v", err, sleeps)
				}
			},
		},
		{
			name: "a next link to another host is refused",
			handler: func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, `{"items":[{"id":"s1"}],"links":{"next":{"uri":"https://evil.example/v1/customers/c/subscriptions"}}}`)
			},
			call: func(ctx context.Context, c *Client) error { _, err := c.ListSubscriptions(ctx, "c"); return err },
			check: func(t *testing.T, err error, _ []time.Duration) {
				if err == nil || !strings.Contains(err.Error(), "points outside") {
					t.Errorf("err = %v", err)
				}
			},
		},
		{
			name: "a next link that repeats itself stops",
			handler: func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, `{"items":[{"id":"s1"}],"links":{"next":{"uri":"/v1/customers/c/subscriptions","headers":[{"key":"MS-ContinuationToken","value":"same"}]}}}`)
			},
			call: func(ctx context.Context, c *Client) error { _, err := c.ListSubscriptions(ctx, "c"); return err },
			check: func(t *testing.T, err error, _ []time.Duration) {
				if err == nil || !strings.Contains(err.Error(), "repeats") {
					t.Errorf("err = %v", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			rec := &pcSleepRecorder{}
			c, err := NewClient(ClientConfig{BaseURL: srv.URL + "/v1", Sleep: rec.sleep, Limits: NoLimits()})
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, tt.call(context.Background(), c), rec.all())
		})
	}
}

func TestClientNextLinkUnderPrefix(t *testing.T) {
	// The sandbox serves Partner Center under /partnercenter; links come back rooted at /v1.
	ts := pcNewTestSim(t, pcTestWorld(), simkit.Behaviour{PageSize: 3})
	mux := http.NewServeMux()
	mux.Handle("/partnercenter/", http.StripPrefix("/partnercenter", ts.sim.Handler()))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c, err := NewClient(ClientConfig{BaseURL: srv.URL + "/partnercenter/v1", Limits: NoLimits()})
	if err != nil {
		t.Fatal(err)
	}
	subs, err := c.ListSubscriptions(context.Background(), pcTCustomer)
	if err != nil || len(subs) != 9 {
		t.Fatalf("ListSubscriptions = %d, %v", len(subs), err)
	}
}

func TestClientSideLimits(t *testing.T) {
	ts := pcNewTestSim(t, pcTestWorld(), simkit.Behaviour{})
	limits := Limits{
		ValidatePerCustomer: Rate{Requests: 2, Per: time.Minute},
		CreatePerPartner:    Rate{Requests: 10, Per: time.Hour},
		SubscriptionReads:   Rate{Requests: 100, Per: time.Minute},
	}
	c, rec := ts.client(t, func(cfg *ClientConfig) { cfg.Limits = limits })
	ctx := context.Background()
	req := MigrationRequest{CurrentSubscriptionID: pcTBase}
	if _, err := c.ValidateMigration(ctx, pcTCustomer, req); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.all()); n != 0 {
		t.Fatalf("first validate waited: %v", rec.all())
	}
	if _, err := c.ValidateMigration(ctx, pcTCustomer2, MigrationRequest{CurrentSubscriptionID: pcTOtherCust}); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.all()); n != 0 {
		t.Fatalf("another customer's validate waited: %v", rec.all())
	}
	if _, err := c.ValidateMigration(ctx, pcTCustomer, req); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.all()); n != 0 {
		t.Fatalf("second validate of one customer waited (the documented burst is allowed): %v", rec.all())
	}
	if _, err := c.ValidateMigration(ctx, pcTCustomer, req); err != nil {
		t.Fatal(err)
	}
	// Two per minute: the third waits until the first leaves the window (plus the 2% margin).
	if s := rec.all(); len(s) != 1 || s[0] < 59*time.Second || s[0] > 62*time.Second {
		t.Fatalf("third validate of one customer waited %v, want about a minute", s)
	}
}

func TestLimits(t *testing.T) {
	d := DocumentedLimits()
	if d.ValidatePerCustomer != (Rate{450, 5 * time.Minute}) || d.CreatePerPartner != (Rate{100, 5 * time.Minute}) || d.SubscriptionReads != (Rate{500, time.Minute}) {
		t.Errorf("documented = %+v", d)
	}
	s := ScaledLimits(60)
	if s.ValidatePerCustomer.Per != 5*time.Second || s.SubscriptionReads.Per != time.Second || s.CreatePerPartner.Requests != 100 {
		t.Errorf("scaled = %+v", s)
	}
	if ScaledLimits(0.5) != d {
		t.Error("factor below 1 changed the limits")
	}
	if newWindow(Rate{}) != nil || newWindow(Rate{Requests: -1}) != nil {
		t.Error("zero rate made a limiter")
	}
	for _, tc := range []struct {
		b    simkit.Behaviour
		want Limits
	}{
		{simkit.Behaviour{}, d},
		{simkit.Behaviour{RateLimits: "off"}, NoLimits()},
		{simkit.Behaviour{RateLimits: "scaled", TimeFactor: 60}, s},
		{simkit.Behaviour{RateLimits: "documented", TimeFactor: 60}, d},
	} {
		if got := LimitsFor((&providers.Sandbox{Behaviour: tc.b}).Pace()); got != tc.want {
			t.Errorf("LimitsFor(%+v) = %+v", tc.b, got)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"5", 5 * time.Second},
		{"0", 0},
		{"-3", 0},
		{"NaN", 0},
		{"99999", retryAfterCap},
		{now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second},
		{now.Add(-30 * time.Second).Format(http.TimeFormat), 0},
		{"soon", 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestWindowNeverLetsMoreThanNThroughAnyWindow(t *testing.T) {
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := newWindow(Rate{Requests: 5, Per: time.Minute})
	w.now = func() time.Time { return clock }
	var grants []time.Time
	for i := 0; i < 23; i++ {
		d := w.reserve()
		if i < 5 && d != 0 {
			t.Errorf("request %d of the first 5 waited %v: the documented burst must go at once", i, d)
		}
		grants = append(grants, clock.Add(d))
		clock = clock.Add(time.Duration(i%4) * 7 * time.Second) // callers arrive unevenly
	}
	for i := range grants {
		if i >= 5 && grants[i].Sub(grants[i-5]) < time.Minute {
			t.Fatalf("grants %d and %d are %v apart: 6 requests in one minute", i-5, i, grants[i].Sub(grants[i-5]))
		}
	}
}
