package mgn

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/smithy-go/logging"
	"github.com/zclconf/go-cty/cty"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
)

// TestOpenUsesTheStandardChainAndEndpoint: outside the sandbox, credentials come from the SDK's
// chain (here the environment), the region from the setting, and endpoint is the BaseEndpoint; the
// requests are SigV4-signed for mgn in that region.
func TestOpenUsesTheStandardChainAndEndpoint(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLECHAIN")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "chain-secret")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_REGION", "")
	var mu sync.Mutex
	var auth, path string
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth, path = r.Header.Get("Authorization"), r.URL.Path
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"items": []}`))
	}))
	defer hs.Close()
	cfg := providers.Config{Name: Name, Values: map[string]cty.Value{"region": cty.StringVal("eu-west-1"), "endpoint": cty.StringVal(hs.URL + "/base")}}
	p, err := Open(context.Background(), cfg, providers.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.client.DescribeServers(context.Background(), []string{"s-1234567890abcdef0"}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(auth, "Credential=AKIAEXAMPLECHAIN/") || !strings.Contains(auth, "/eu-west-1/mgn/aws4_request") || path != "/base/DescribeSourceServers" {
		t.Errorf("Authorization %q, path %q", auth, path)
	}
	if strings.Contains(auth, "chain-secret") {
		t.Error("the secret key travelled in the request")
	}
}

func TestOpenWithoutRegion(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_PROFILE", "")
	_, err := Open(context.Background(), providers.Config{Name: Name}, providers.Env{})
	// The message starts with what is wrong: the caller prefixes "mgn provider: ", so a prefix of
	// its own would print "mgn provider: mgn: no AWS region".
	if err == nil || !strings.HasPrefix(err.Error(), `no AWS region: set provider "mgn" { region = "eu-west-1" } or AWS_REGION`) {
		t.Fatalf("err = %v", err)
	}
}

func TestSettingsChecks(t *testing.T) {
	checks := map[string]func(cty.Value) string{}
	for _, s := range SettingsSchema() {
		checks[s.Name] = s.Check
	}
	for _, tc := range []struct {
		name, value string
		ok          bool
	}{
		{"assume_role_arn", "arn:aws:iam::123456789012:role/ferry-mgn", true},
		{"assume_role_arn", "arn:aws-us-gov:iam::123456789012:role/path/ferry", true},
		{"assume_role_arn", "arn:aws:iam::123:role/x", false},
		{"assume_role_arn", "ferry-mgn", false},
		{"region", "eu-west-1", true},
		{"region", "Europe", false},
		{"endpoint", "https://vpce-0abc.mgn.eu-west-1.vpce.amazonaws.com", true},
		{"endpoint", "http://mgn.example.com", false},
		{"profile", " ", false},
	} {
		if got := checks[tc.name](cty.StringVal(tc.value)); (got == "") != tc.ok {
			t.Errorf("%s = %q: check %q, want ok=%v", tc.name, tc.value, got, tc.ok)
		}
	}
}

// countingTransport is a wrapper like the run log's: it counts the requests through it.
type countingTransport struct {
	n    *atomic.Int32
	next http.RoundTripper
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}
func (c countingTransport) Unwrap() http.RoundTripper { return c.next }
func (c countingTransport) Rewrap(next http.RoundTripper) http.RoundTripper {
	return countingTransport{n: c.n, next: next}
}

// TestOpenWithCABundle: with AWS_CA_BUNDLE set (a corporate TLS proxy, a VPC endpoint with a private
// CA), the provider opens with ferry's own HTTP client (the SDK refuses any client but its own when it
// loads a bundle: "unable to add custom RootCAs HTTPClient"), its requests trust the bundle, and they
// still go through ferry's wrappers (the run log).
func TestOpenWithCABundle(t *testing.T) {
	hs := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"items": []}`))
	}))
	defer hs.Close()
	bundle := filepath.Join(t.TempDir(), "bundle.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: hs.Certificate().Raw})
	if err := os.WriteFile(bundle, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CA_BUNDLE", bundle)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLECHAIN")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "chain-secret")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	t.Setenv("AWS_PROFILE", "")
	var n atomic.Int32
	base := http.DefaultTransport.(*http.Transport).Clone()
	hc := providers.GuardRedirects(&http.Client{Transport: countingTransport{n: &n, next: base}})
	cfg := providers.Config{Name: Name, Values: map[string]cty.Value{"region": cty.StringVal("eu-west-1"), "endpoint": cty.StringVal(hs.URL)}}
	p, err := Open(context.Background(), cfg, providers.Env{HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.client.DescribeServers(context.Background(), []string{"s-1234567890abcdef0"}); err != nil {
		t.Fatalf("a server whose certificate is in AWS_CA_BUNDLE: %v", err)
	}
	if n.Load() == 0 {
		t.Error("the request did not go through ferry's HTTP client")
	}
	if base.TLSClientConfig != nil && base.TLSClientConfig.RootCAs != nil {
		t.Error("the shared transport was changed")
	}
}

// TestOpenWithCABundleNotTrusted: a bundle that does not hold the server's certificate fails the TLS
// handshake (the bundle replaces the system roots, as the SDK does).
func TestOpenWithCABundleNotTrusted(t *testing.T) {
	hs := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer hs.Close()
	// Another CA (every httptest server has the same certificate).
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "another CA"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(t.TempDir(), "bundle.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CA_BUNDLE", bundle)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLECHAIN")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "chain-secret")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	t.Setenv("AWS_PROFILE", "")
	cfg := providers.Config{Name: Name, Values: map[string]cty.Value{"region": cty.StringVal("eu-west-1"), "endpoint": cty.StringVal(hs.URL)}}
	p, err := Open(context.Background(), cfg, providers.Env{HTTPClient: &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := p.client.DescribeServers(ctx, []string{"s-1234567890abcdef0"}); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("err = %v, want a certificate error", err)
	}
}

// TestOpenPollInterval: poll_interval sets the watcher's first wait, backing off to four times it;
// without it the pace is 30 s to 2 min; a non-positive one is refused.
func TestOpenPollInterval(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLECHAIN")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "chain-secret")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	t.Setenv("AWS_PROFILE", "")
	for _, tc := range []struct {
		poll        string
		first, max  time.Duration
		errContains string
	}{
		{"", 30 * time.Second, 2 * time.Minute, ""},
		{"200ms", 200 * time.Millisecond, 800 * time.Millisecond, ""},
		{"0s", 0, 0, "poll_interval must be positive"},
	} {
		vals := map[string]cty.Value{"region": cty.StringVal("eu-west-1")}
		if tc.poll != "" {
			vals["poll_interval"] = cty.StringVal(tc.poll)
		}
		p, err := Open(context.Background(), providers.Config{Name: Name, Values: vals}, providers.Env{})
		if tc.errContains != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errContains) {
				t.Errorf("poll_interval %q: %v", tc.poll, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if first, max := p.WatchPace(); first != tc.first || max != tc.max {
			t.Errorf("poll_interval %q: pace %s to %s, want %s to %s", tc.poll, first, max, tc.first, tc.max)
		}
	}
}

// The AWS SDK's own log lines (such as its IMDSv1 warning) become ferry's debug lines, not lines on
// stderr: the client Open builds outside the sandbox hands them to the provider's log. The test
// server answers with a Date header the SDK cannot parse, for which the SDK logs a warning through
// the configuration's logger; without the wiring that line would go to the SDK's default logger
// (stderr) and not reach env.Log.
func TestSDKLogLinesGoToTheDebugLog(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLECHAIN")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "chain-secret")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	t.Setenv("AWS_PROFILE", "")
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", "not a date")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"items": []}`))
	}))
	defer hs.Close()
	var mu sync.Mutex
	var got []string
	env := providers.Env{Log: func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, fmt.Sprintf(format, args...))
	}}
	cfg := providers.Config{Name: Name, Values: map[string]cty.Value{"region": cty.StringVal("eu-west-1"), "endpoint": cty.StringVal(hs.URL)}}
	p, err := Open(context.Background(), cfg, env)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.client.DescribeServers(context.Background(), []string{"s-1234567890abcdef0"}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	found := false
	for _, l := range got {
		if strings.HasPrefix(l, "mgn: AWS SDK warn: failed to parse response Date header value") {
			found = true
		}
	}
	if !found {
		t.Fatalf("the SDK's warning about the Date header is not among the debug lines %q", got)
	}
}

// sdkLogger drops the SDK's lines when there is no debug log.
func TestSDKLoggerWithoutLog(t *testing.T) {
	sdkLogger(nil).Logf(logging.Warn, "dropped") // must not panic
}

// TestSettleFollowsReconcileSettle: an interrupted mutating step not found by DescribeSourceServers
// is looked for again until reconcile_settle has passed (the executor asks Settle); waits need none.
func TestSettleFollowsReconcileSettle(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLECHAIN")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "chain-secret")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	cfg := providers.Config{Name: Name, Values: map[string]cty.Value{"region": cty.StringVal("eu-west-1"),
		providers.SettingSettle: cty.StringVal("30s")}}
	p, err := Open(context.Background(), cfg, providers.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Settle(model.Step{Name: StepStartCutover, Mutating: true}); got != 30*time.Second {
		t.Errorf("Settle(start_cutover) = %s, want 30s", got)
	}
	if got := p.Settle(model.Step{Name: StepAwaitCutover}); got != 0 {
		t.Errorf("Settle(await_cutover) = %s, want 0", got)
	}
}
