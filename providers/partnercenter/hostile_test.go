package partnercenter

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/providers"
)

// noSleep is a Sleep that returns at once (the retries' backoff is not what these tests look at).
func noSleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// TestUndecodableReadIsRetried: a 200 whose body does not decode (a proxy's HTML page, a truncated
// body) is retried like a 5xx, for lists, single reads and validations alike.
func TestUndecodableReadIsRetried(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if n%2 == 1 {
			fmt.Fprint(w, `<html>Gateway says hello</html>`)
			return
		}
		switch {
		case strings.HasSuffix(r.URL.Path, "/subscriptions"):
			fmt.Fprint(w, `{"totalCount":0,"items":[]}`)
		case strings.HasSuffix(r.URL.Path, "/validate"):
			fmt.Fprint(w, `{"currentSubscriptionId":"s","isEligible":true}`)
		default:
			fmt.Fprint(w, `{"id":"s","offerId":"o","quantity":1,"status":"active"}`)
		}
	}))
	defer srv.Close()
	c, err := NewClient(ClientConfig{BaseURL: srv.URL + "/v1", Sleep: noSleep, Limits: NoLimits()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.ListSubscriptions(ctx, "c"); err != nil {
		t.Errorf("list: %v", err)
	}
	if _, err := c.GetSubscription(ctx, "c", "s"); err != nil {
		t.Errorf("get: %v", err)
	}
	if _, err := c.ValidateMigration(ctx, "c", MigrationRequest{CurrentSubscriptionID: "s"}); err != nil {
		t.Errorf("validate: %v", err)
	}
	if n := calls.Load(); n != 6 {
		t.Errorf("%d requests, want 6 (each read once undecodable, once decoded)", n)
	}
}

// TestUndecodableCreateIsNotResent: an undecodable answer to a create is an unknown outcome, never
// sent again.
func TestUndecodableCreateIsNotResent(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		fmt.Fprint(w, `{"id":`)
	}))
	defer srv.Close()
	c, err := NewClient(ClientConfig{BaseURL: srv.URL + "/v1", Sleep: noSleep, Limits: NoLimits()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateMigration(context.Background(), "c", MigrationRequest{CurrentSubscriptionID: "s"}, "k")
	if !IsUnknownOutcome(err) || calls.Load() != 1 {
		t.Fatalf("err %v after %d requests; want an unknown outcome after 1", err, calls.Load())
	}
}

// TestHungReadTimesOutAndIsRetried: a read that gets no answer ends after the read timeout and is
// tried again (the server answers the second time).
func TestHungReadTimesOutAndIsRetried(t *testing.T) {
	var calls atomic.Int64
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			select { // never answers the first request
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		fmt.Fprint(w, `{"totalCount":0,"items":[]}`)
	}))
	defer srv.Close()
	defer close(release)
	var logged []string
	var mu sync.Mutex
	c, err := NewClient(ClientConfig{BaseURL: srv.URL + "/v1", Sleep: noSleep, Limits: NoLimits(), ReadTimeout: 50 * time.Millisecond,
		Log: func(f string, a ...any) { mu.Lock(); logged = append(logged, fmt.Sprintf(f, a...)); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListSubscriptions(context.Background(), "c"); err != nil {
		t.Fatalf("list: %v", err)
	}
	if calls.Load() != 2 {
		t.Fatalf("%d requests, want 2", calls.Load())
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(strings.Join(logged, "\n"), "no answer within 50ms") {
		t.Errorf("the retry does not say why: %q", logged)
	}
}

// TestHungCreateEndsAtTheClientTimeout: a create that was sent and never answered ends at the HTTP
// client's own timeout (applied as the attempt's deadline) as an unknown outcome that says why, and
// is not sent again.
func TestHungCreateEndsAtTheClientTimeout(t *testing.T) {
	var calls atomic.Int64
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	c, err := NewClient(ClientConfig{BaseURL: srv.URL + "/v1", Sleep: noSleep, Limits: NoLimits(),
		HTTPClient: &http.Client{Timeout: 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateMigration(context.Background(), "c", MigrationRequest{CurrentSubscriptionID: "s"}, "key")
	var ue *UnknownOutcomeError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v, want an unknown outcome", err)
	}
	if !strings.Contains(err.Error(), "no answer within 100ms") {
		t.Errorf("err = %v, want it to say no answer came within the client's timeout", err)
	}
	if calls.Load() != 1 {
		t.Errorf("%d creates sent, want 1", calls.Load())
	}
}

// TestCredentialsNeverFollowARedirect: neither the bearer token (API) nor the client secret (token
// request) is sent to another host that a redirect points at.
func TestCredentialsNeverFollowARedirect(t *testing.T) {
	var mu sync.Mutex
	var stolen []string
	thief := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		stolen = append(stolen, r.Header.Get("Authorization")+" "+r.Form.Get("client_secret"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"stolen","token_type":"Bearer","expires_in":3600,"totalCount":0,"items":[]}`)
	}))
	defer thief.Close()
	for _, redirectToken := range []bool{false, true} {
		api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token") && redirectToken:
				http.Redirect(w, r, thief.URL+"/token", http.StatusTemporaryRedirect)
			case strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token"):
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"access_token":"t0ken","token_type":"Bearer","expires_in":3600}`)
			default:
				http.Redirect(w, r, thief.URL+r.URL.Path, http.StatusTemporaryRedirect)
			}
		}))
		vars := map[string]string{EnvClientID: "id", EnvClientSecret: "cl13nt-s3cr3t"}
		env := providers.Env{Getenv: func(k string) string { return vars[k] }, HTTPClient: &http.Client{Timeout: 10 * time.Second}}
		c, err := NewClientFor(context.Background(), Settings{Endpoint: api.URL, Authority: api.URL, TenantID: "t"}, env)
		if err != nil {
			t.Fatal(err)
		}
		c.maxRetries, c.sleep = 0, noSleep
		_, err = c.ListSubscriptions(context.Background(), "c")
		api.Close()
		if err == nil || !errors.Is(err, providers.ErrRedirectRefused) {
			t.Errorf("redirect of the token request %v: err %v, want a refused redirect", redirectToken, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(stolen) > 0 {
		t.Fatalf("the other host received %q", stolen)
	}
}

// TestAnswerTooLargeIsRefusedOnce: a read answered with more than maxBodyBytes (here an answer that
// would never end) stops reading at the limit and says so, without asking again for the same answer.
func TestAnswerTooLargeIsRefusedOnce(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		fmt.Fprint(w, `{"totalCount":1,"items":[`)
		item := `{"id":"s","offerId":"o","quantity":1,"status":"active","friendlyName":"` + strings.Repeat("x", 8000) + `"},`
		for r.Context().Err() == nil {
			if _, err := fmt.Fprint(w, item); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c, err := NewClient(ClientConfig{BaseURL: srv.URL + "/v1", Sleep: noSleep, Limits: NoLimits()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListSubscriptions(context.Background(), "c")
	if err == nil || !strings.Contains(err.Error(), "larger than 64 MiB") || calls.Load() != 1 {
		t.Fatalf("err %v after %d requests; want the answer refused as larger than 64 MiB after 1", err, calls.Load())
	}
	// A create whose answer is too large was received: its outcome is unknown, never resent.
	_, err = c.CreateMigration(context.Background(), "c", MigrationRequest{CurrentSubscriptionID: "s"}, "k")
	if !IsUnknownOutcome(err) || calls.Load() != 2 {
		t.Fatalf("create: err %v after %d requests; want an unknown outcome after 1 more", err, calls.Load())
	}
}

// TestListTooLargeEnds: a migration query answered page after page with new continuation tokens
// and full pages ends once the pages together pass providers.MaxListBytes.
func TestListTooLargeEnds(t *testing.T) {
	var calls atomic.Int64
	pad := strings.Repeat("x", 70<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		w.Header().Set("MS-ContinuationToken", fmt.Sprintf("t%d", n))
		rows := make([]string, 100)
		for i := range rows {
			rows[i] = fmt.Sprintf(`{"id":"m%d-%d","status":"Processing","externalReferenceId":%q}`, n, i, pad)
		}
		fmt.Fprint(w, "["+strings.Join(rows, ",")+"]")
	}))
	defer srv.Close()
	c, err := NewClient(ClientConfig{BaseURL: srv.URL + "/v1", Sleep: noSleep, Limits: NoLimits()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListMigrations(context.Background(), MigrationQuery{CustomerTenantID: "c"})
	if err == nil || !strings.Contains(err.Error(), "larger than 256 MiB together") || calls.Load() > 40 {
		t.Fatalf("err %v after %d requests; want the list refused after about 37", err, calls.Load())
	}
}
