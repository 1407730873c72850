package partnercenter

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/providers/simkit"
)

func TestNewClientForSandbox(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_sandbox/behaviour", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"rate_limits":"scaled","time_factor":60}`)
	})
	var auth string
	mux.HandleFunc("GET /partnercenter/v1/customers/c/subscriptions", func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		fmt.Fprint(w, `{"totalCount":0,"items":[]}`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	sb, err := providers.DiscoverSandbox(context.Background(), nil, srv.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	env := providers.Env{Sandbox: sb, Getenv: func(string) string { return "" }}
	c, err := NewClientFor(context.Background(), Settings{}, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.base.String() != srv.URL+"/partnercenter/v1" {
		t.Errorf("base = %s", c.base)
	}
	if c.lim.validate != ScaledLimits(60).ValidatePerCustomer {
		t.Errorf("limits not scaled: %+v", c.lim.validate)
	}
	if _, err := c.ListSubscriptions(context.Background(), "c"); err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		t.Errorf("sandbox request carried Authorization %q", auth)
	}

	srv.Close()
	if _, err := providers.DiscoverSandbox(context.Background(), nil, srv.URL); err == nil || !strings.Contains(err.Error(), "sandbox") {
		t.Errorf("unreachable sandbox: %v", err)
	}
}

func TestSandboxPollingFollowsMigrationDuration(t *testing.T) {
	for _, c := range []struct {
		durations   map[string]string
		factor      float64
		first, last time.Duration
	}{
		{nil, 0, 500 * time.Millisecond, time.Second},
		{map[string]string{DurationMigration: "200ms"}, 0, 50 * time.Millisecond, 100 * time.Millisecond},
		{map[string]string{DurationMigration: "1h"}, 0, SandboxPollInterval, 5 * time.Second},
		{map[string]string{DurationMigration: "60s"}, 60, 250 * time.Millisecond, 500 * time.Millisecond},
		{map[string]string{DurationMigration: "1ms"}, 0, 25 * time.Millisecond, 25 * time.Millisecond},
	} {
		var b simkit.Behaviour
		raw := fmt.Sprintf(`{"time_factor": %g, "durations": {}}`, c.factor)
		if err := json.Unmarshal([]byte(raw), &b); err != nil {
			t.Fatal(err)
		}
		for k, v := range c.durations {
			d, _ := time.ParseDuration(v)
			b.Durations[k] = simkit.Duration(d)
		}
		first, last := sandboxPolling(&providers.Sandbox{Behaviour: b})
		if first != c.first || last != c.last {
			t.Errorf("%v ×%g: polling %s..%s, want %s..%s", c.durations, c.factor, first, last, c.first, c.last)
		}
	}
}

func TestNewClientForMissingCredentials(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Settings
		vars   map[string]string
		want   []string
		absent []string
	}{
		{name: "nothing set", want: []string{EnvTenantID, EnvClientID, EnvClientSecret}},
		{name: "tenant from the block", cfg: Settings{TenantID: "t"}, vars: map[string]string{EnvClientID: "id"},
			want: []string{EnvClientSecret}, absent: []string{EnvTenantID, EnvClientID}},
		{name: "secret missing", vars: map[string]string{EnvTenantID: "t", EnvClientID: "id"}, want: []string{EnvClientSecret}, absent: []string{EnvClientID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := providers.Env{Getenv: func(k string) string { return tt.vars[k] }}
			_, err := NewClientFor(context.Background(), tt.cfg, env)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %s", err, w)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(err.Error(), a) {
					t.Errorf("error %q names %s, which is set", err, a)
				}
			}
		})
	}
}

// tokenTransport answers Azure AD token requests itself and passes the rest on.
type tokenTransport struct {
	mu       sync.Mutex
	tokenURL string
	form     url.Values
}

func (tt *tokenTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != "login.microsoftonline.com" {
		return http.DefaultTransport.RoundTrip(r)
	}
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	tt.mu.Lock()
	tt.tokenURL, tt.form = r.URL.String(), form
	tt.mu.Unlock()
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Request: r,
		Body: io.NopCloser(strings.NewReader(`{"access_token":"tok-123","token_type":"Bearer","expires_in":3600}`))}, nil
}

func TestNewClientForAzureAD(t *testing.T) {
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/customers/c/subscriptions/s" {
			http.NotFound(w, r)
			return
		}
		auth = r.Header.Get("Authorization")
		fmt.Fprint(w, `{"id":"s","status":"active","quantity":1}`)
	}))
	defer srv.Close()
	tr := &tokenTransport{}
	vars := map[string]string{EnvClientID: "app-id", EnvClientSecret: "s3cret", EnvTenantID: "env-tenant"}
	var logs []string
	env := providers.Env{
		Getenv:     func(k string) string { return vars[k] },
		HTTPClient: &http.Client{Transport: tr, Timeout: 10 * time.Second},
		Log:        func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) },
	}
	c, err := NewClientFor(context.Background(), Settings{Endpoint: srv.URL + "/", Authority: DefaultAuthority, TenantID: "block-tenant"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetSubscription(context.Background(), "c", "s"); err != nil {
		t.Fatal(err)
	}
	if auth != "Bearer tok-123" {
		t.Errorf("Authorization = %q", auth)
	}
	if tr.tokenURL != "https://login.microsoftonline.com/block-tenant/oauth2/v2.0/token" {
		t.Errorf("token URL = %s", tr.tokenURL)
	}
	if tr.form.Get("scope") != Scope || tr.form.Get("client_id") != "app-id" || tr.form.Get("grant_type") != "client_credentials" {
		t.Errorf("token form = %v", tr.form)
	}
	for _, l := range logs {
		if strings.Contains(l, "tok-123") || strings.Contains(l, "s3cret") {
			t.Errorf("log leaks a secret: %s", l)
		}
	}
	if len(logs) == 0 {
		t.Error("nothing logged")
	}
}

func TestNewClientForDefaultEndpoint(t *testing.T) {
	vars := map[string]string{EnvClientID: "a", EnvClientSecret: "b", EnvTenantID: "t"}
	settings, err := DecodeSettings(providers.Config{Name: Name})
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewClientFor(context.Background(), settings, providers.Env{Getenv: func(k string) string { return vars[k] }})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.base.String(); got != DefaultEndpoint+"/v1" {
		t.Errorf("base = %s", got)
	}
}
