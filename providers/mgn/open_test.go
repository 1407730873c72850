package mgn

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

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
	if err == nil || !strings.Contains(err.Error(), `no AWS region: set provider "mgn" { region = "eu-west-1" } or AWS_REGION`) {
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
