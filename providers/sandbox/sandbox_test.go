package sandbox

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/providers/partnercenter"
	"github.com/ferry-dev/ferry/providers/simkit"
	"github.com/ferry-dev/ferry/providers/table"
)

const (
	exCustomer = "0f3c9a1e-5b7d-4e2a-9c61-3d8f2a7b1c01"
	exBase     = "5c1f3a9e-2b4d-4f6a-8c1e-9d7b3a2f4e01"
	exAddOn    = "a1a1c0de-2222-4222-8222-0000000000a1"
)

func TestLoadWorldExample(t *testing.T) {
	w, err := LoadWorld("testdata/world.json", table.Default())
	if err != nil {
		t.Fatal(err)
	}
	if w.Sections["partnercenter"] == nil || len(pcOf(t, w).Customers) != 2 || len(pcOf(t, w).Catalog) != 3 {
		t.Fatalf("partnercenter = %+v", pcOf(t, w))
	}
	if w.Behaviour.TimeFactor != 60 || w.Behaviour.RateLimits != "scaled" || time.Duration(w.Behaviour.Durations["partnercenter.migration"]) != 2*time.Second {
		t.Fatalf("behaviour = %+v", w.Behaviour)
	}
}

func TestLoadWorldErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "syntax", in: "{\n  \"behaviour\": {\n    \"time_factor\": 60,\n  }\n}", want: "world.json:4:3: invalid JSON"},
		{name: "unknown top-level field", in: "{\n  \"partnercentre\": {}\n}", want: `world.json:2:3: unknown section "partnercentre"`},
		{name: "unknown nested field", in: "{\"partnercenter\": {\"customers\": [{\"id\": \"c\", \"subscriptons\": []}]}}", want: `world.json:1:46: unknown field "subscriptons"`},
		{name: "wrong type", in: "{\n\"partnercenter\": {\"customers\": [{\"id\": \"c\", \"subscriptions\": [{\"id\": \"s\", \"quantity\": \"ten\"}]}]}}", want: "world.json:2:"},
		{name: "wrong type names the field", in: `{"partnercenter": {"customers": [{"id": "c", "subscriptions": [{"id": "s", "quantity": "ten"}]}]}}`, want: "quantity"},
		{name: "bad duration", in: "{\"behaviour\": {\n  \"latency\": \"soon\"}}", want: `world.json:2:14: duration "soon"`},
		{name: "bad rate limits", in: `{"behaviour": {"rate_limits": "sometimes"}}`, want: "behaviour.rate_limits"},
		{name: "bad fault", in: `{"behaviour": {"faults": [{"operation": "partnercenter.CreateMigration", "outcome": "boom"}]}}`, want: "behaviour.faults[0]"},
		{name: "duplicate subscription", in: `{"partnercenter": {"customers": [{"id": "0c1c0000-0000-4000-8000-000000000001", "subscriptions": [{"id": "s"}, {"id": "S"}]}]}}`, want: "duplicate subscription id"},
		{name: "duplicate customer", in: `{"partnercenter": {"customers": [{"id": "0c1c0000-0000-4000-8000-000000000001"}, {"id": "0C1C0000-0000-4000-8000-000000000001"}]}}`, want: "duplicate customer id"},
		{name: "customer id not a GUID", in: `{"partnercenter": {"customers": [{"id": "contoso"}]}}`, want: "partnercenter.customers[0].id"},
		{name: "domain not onmicrosoft.com", in: `{"partnercenter": {"customers": [{"id": "0c1c0000-0000-4000-8000-000000000001", "domain": "contoso.com"}]}}`, want: "partnercenter.customers[0].domain"},
		{name: "migration of nothing", in: `{"partnercenter": {"customers": [], "migrations": [{"id": "m", "currentSubscriptionId": "x"}]}}`, want: "partnercenter.migrations[0]"},
		{name: "empty", in: "", want: "is empty"},
		{name: "truncated", in: `{"behaviour": {`, want: "world.json:1:16: invalid JSON"},
		{name: "not an object", in: `[1]`, want: "world.json:1:"},
		{name: "trailing data", in: "{}\n{}", want: "world.json:2:"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "world.json")
			if err := os.WriteFile(path, []byte(tt.in), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadWorld(path, table.Default())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := LoadWorld(filepath.Join(dir, "missing.json"), table.Default()); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
}

// TestWorldSectionErrorsNameTheProviderOnce: an error inside a provider's section names the
// provider once (its path, partnercenter.customers[0]…), not "partnercenter: partnercenter.…".
func TestWorldSectionErrorsNameTheProviderOnce(t *testing.T) {
	for _, in := range []string{
		`{"partnercenter": {"customers": [{"id": ""}]}}`,
		`{"partnercenter": {"customers": [], "migrations": [{"id": "m", "currentSubscriptionId": "x"}]}}`,
	} {
		_, err := DecodeWorld("world.json", []byte(in), table.Default())
		if err == nil {
			t.Fatalf("%s: decoded; want an error", in)
		}
		if n := strings.Count(err.Error(), "partnercenter"); n != 1 {
			t.Errorf("%q names partnercenter %d times, want once", err, n)
		}
	}
}

func newTestServer(t *testing.T) (*Server, *httptest.Server, *simkit.ManualClock) {
	t.Helper()
	w, err := LoadWorld("testdata/world.json", table.Default())
	if err != nil {
		t.Fatal(err)
	}
	w.Behaviour.Latency = 0
	w.Behaviour.TimeFactor = 0
	clock := simkit.NewManualClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	srv, err := New(w, table.Default(), simkit.WithWallClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return srv, hs, clock
}

func getJSON(t *testing.T, url string, out any) int {
	t.Helper()
	resp, err := http.Get(url)
	return decodeAnswer(t, resp, err, out)
}

func postJSON(t *testing.T, url, body string, out any) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	return decodeAnswer(t, resp, err, out)
}

// decodeAnswer decodes an answer's JSON body into out (when not nil) and returns its status.
func decodeAnswer(t *testing.T, resp *http.Response, err error, out any) int {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}

func TestServerEndpoints(t *testing.T) {
	_, hs, clock := newTestServer(t)
	var health map[string]string
	if s := getJSON(t, hs.URL+"/_sandbox/healthz", &health); s != 200 || health["status"] != "ok" {
		t.Fatalf("healthz = %d %v", s, health)
	}

	// The real client, through the sandbox, as ferry would use it.
	c, err := partnercenter.NewClient(partnercenter.ClientConfig{BaseURL: hs.URL + "/partnercenter/v1", Limits: partnercenter.NoLimits()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	subs, err := c.ListSubscriptions(ctx, exCustomer)
	if err != nil || len(subs) != 3 {
		t.Fatalf("ListSubscriptions = %d, %v", len(subs), err)
	}
	req := partnercenter.MigrationRequest{CurrentSubscriptionID: exBase, TermDuration: "P1Y", BillingCycle: "monthly", ExternalReferenceID: "key-1",
		AddOnMigrations: []partnercenter.AddOnMigration{{CurrentSubscriptionID: exAddOn, TermDuration: "P1Y", BillingCycle: "monthly"}}}
	if _, err := c.CreateMigration(ctx, exCustomer, req, "key-1"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(3 * time.Second)

	var world World
	if s := getJSON(t, hs.URL+"/_sandbox/world", &world); s != 200 {
		t.Fatalf("world = %d", s)
	}
	if world.Sections["partnercenter"] == nil || len(pcOf(t, world).Migrations) != 1 || pcOf(t, world).Migrations[0].Status != partnercenter.MigrationCompleted {
		t.Fatalf("world migrations = %+v", pcOf(t, world))
	}
	if n := len(pcOf(t, world).Customers[0].Subscriptions); n != 5 {
		t.Errorf("subscriptions after the migration = %d, want 5 (3 legacy + 2 new)", n)
	}
	if world.Behaviour.RateLimits != "scaled" {
		t.Errorf("world behaviour = %+v", world.Behaviour)
	}
	// The world answer is a valid world file.
	data, err := json.Marshal(world)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeWorld("answer", data, table.Default()); err != nil {
		t.Errorf("GET /_sandbox/world is not a loadable world: %v", err)
	}

	var stats map[string]int64
	getJSON(t, hs.URL+"/_sandbox/stats", &stats)
	if stats[partnercenter.OpCreateMigration] != 1 || stats[partnercenter.OpListSubscriptions] != 1 {
		t.Errorf("stats = %v", stats)
	}
}

func TestServerFaults(t *testing.T) {
	_, hs, _ := newTestServer(t)
	var resp struct {
		Faults []simkit.Fault `json:"faults"`
		Error  string         `json:"error"`
	}
	body := fmt.Sprintf(`{"faults": [{"operation": %q, "status": 503, "count": 1}]}`, partnercenter.OpGetSubscription)
	if s := postJSON(t, hs.URL+"/_sandbox/faults", body, &resp); s != 200 || len(resp.Faults) != 1 {
		t.Fatalf("POST faults = %d %+v", s, resp)
	}
	subURL := hs.URL + "/partnercenter/v1/customers/" + exCustomer + "/subscriptions/" + exBase
	if s := getJSON(t, subURL, nil); s != 503 {
		t.Errorf("first read after the fault = %d, want 503", s)
	}
	if s := getJSON(t, subURL, nil); s != 200 {
		t.Errorf("second read = %d, want 200", s)
	}
	for _, bad := range []string{`{"faults": [{"operation": "x"}]}`, `{"fault": []}`, `not json`} {
		resp.Error = ""
		if s := postJSON(t, hs.URL+"/_sandbox/faults", bad, &resp); s != 400 || resp.Error == "" {
			t.Errorf("POST %s = %d %q", bad, s, resp.Error)
		}
	}
	if s := postJSON(t, hs.URL+"/_sandbox/faults", `{"faults": []}`, &resp); s != 200 || len(resp.Faults) != 0 {
		t.Errorf("clearing faults = %d %+v", s, resp)
	}
	var notFound map[string]string
	if s := getJSON(t, hs.URL+"/nosuch/DescribeSourceServers", &notFound); s != 404 || notFound["error"] == "" {
		t.Errorf("unknown provider = %d %v", s, notFound)
	}
}

func TestNewRejectsBadWorld(t *testing.T) {
	if _, err := New(&World{Behaviour: simkit.Behaviour{RateLimits: "bad"}}, table.Default()); err == nil {
		t.Error("bad behaviour accepted")
	}
	if _, err := New(nil, table.Default()); err != nil {
		t.Errorf("nil world: %v", err)
	}
}

func TestServe(t *testing.T) {
	w, err := LoadWorld("testdata/world.json", table.Default())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, w, table.Default(), "127.0.0.1:0", false, pw)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	var out []string
	for len(out) < 2 && lines.Scan() {
		out = append(out, lines.Text())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if len(out) != 2 {
		cancel()
		t.Fatalf("output = %q, serve error %v", out, <-done)
	}
	m := regexp.MustCompile(`^ferry sandbox listening on (http://127\.0\.0\.1:\d+)$`).FindStringSubmatch(out[0])
	if m == nil || out[1] != "export FERRY_SANDBOX="+m[1] {
		t.Fatalf("output = %q", out)
	}
	var health map[string]string
	if s := getJSON(t, m[1]+"/_sandbox/healthz", &health); s != 200 {
		t.Errorf("healthz = %d", s)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not stop after the context was cancelled")
	}
	if _, err := http.Get(m[1] + "/_sandbox/healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
}

func TestServeBadAddress(t *testing.T) {
	err := Serve(context.Background(), nil, table.Default(), "127.0.0.1:99999", false, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "listening on") {
		t.Fatalf("err = %v", err)
	}
}

// TestServeRefusesRemote: the sandbox has no authentication, so it listens on loopback only unless
// told otherwise; with --allow-remote it says where it really listens.
func TestServeRefusesRemote(t *testing.T) {
	for _, listen := range []string{":18791", "0.0.0.0:0", "[::]:0", "192.0.2.1:0", "example.com:0"} {
		err := Serve(context.Background(), nil, table.Default(), listen, false, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--allow-remote") || !strings.Contains(err.Error(), "no authentication") {
			t.Errorf("Serve(%q) = %v, want a refusal naming --allow-remote", listen, err)
		}
	}
	for _, listen := range []string{"127.0.0.1:0", "localhost:0", "[::1]:0", "127.0.0.2:0"} {
		if err := CheckListen(listen, false); err != nil {
			t.Errorf("CheckListen(%q) = %v", listen, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, nil, table.Default(), "0.0.0.0:0", true, pw)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	var out []string
	for len(out) < 2 && lines.Scan() {
		out = append(out, lines.Text())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || !regexp.MustCompile(`^ferry sandbox listening on (0\.0\.0\.0|\[::\]):\d+ \(reachable from other machines: no authentication\)$`).MatchString(out[0]) ||
		!regexp.MustCompile(`^export FERRY_SANDBOX=http://127\.0\.0\.1:\d+$`).MatchString(out[1]) {
		t.Errorf("output = %q", out)
	}
}

// TestDocExampleLoads keeps the example of docs/sandbox.md a valid world.
func TestDocExampleLoads(t *testing.T) {
	doc, err := os.ReadFile("../../docs/sandbox.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "## Example")
	if !ok {
		t.Fatal("docs/sandbox.md has no Example section")
	}
	_, rest, ok = strings.Cut(rest, "```json\n")
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("the Example section has no json block")
	}
	w, err := DecodeWorld("docs/sandbox.md", []byte(block), table.Default())
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Behaviour.Faults) != 2 || w.Sections["partnercenter"] == nil {
		t.Errorf("example = %+v", w)
	}
}

// A world may hold subscriptions pasted from real Partner Center answers: API fields ferry does not
// read are ignored, while a typo in the world's own structure is still an error.
func TestWorldAcceptsRealAPIObjects(t *testing.T) {
	in := `{"partnercenter": {"customers": [{"id": "0c1c0000-0000-4000-8000-000000000001", "domain": "c.onmicrosoft.com", "subscriptions": [
  {"id": "s", "offerId": "o", "quantity": 3, "status": "active", "billingCycle": "monthly",
   "links": {"offer": {"uri": "/offers/o", "method": "GET", "headers": []}},
   "attributes": {"etag": "x", "objectType": "Subscription"}, "actions": ["Cancel"], "hasPurchasableAddons": true}
]}], "catalog": {"o": "N:0001:X"}}}`
	w, err := DecodeWorld("world.json", []byte(in), table.Default())
	if err != nil {
		t.Fatal(err)
	}
	if got := pcOf(t, w).Customers[0].Subscriptions[0]; got.ID != "s" || got.Quantity != 3 {
		t.Errorf("subscription = %+v", got)
	}
}

// A misspelt duration kind or fault operation would silently do nothing: both are refused, in the
// world file and at run time.
func TestUnknownOperationsAndDurationsAreRefused(t *testing.T) {
	for _, in := range []string{
		`{"behaviour": {"durations": {"partnercenter.migraton": "1s"}}}`,
		`{"behaviour": {"faults": [{"operation": "partnercenter.CreateMigratoin", "status": 500}]}}`,
	} {
		if _, err := DecodeWorld("world.json", []byte(in), table.Default()); err == nil || !strings.Contains(err.Error(), "known") {
			t.Errorf("%s: err = %v", in, err)
		}
	}
	_, hs, _ := newTestServer(t)
	var out map[string]any
	if code := postJSON(t, hs.URL+"/_sandbox/faults", `{"faults": [{"operation": "partnercenter.Nope", "status": 500}]}`, &out); code != http.StatusBadRequest {
		t.Errorf("POST an unknown operation: %d %v", code, out)
	}
}

// Every duration kind docs/sandbox.md documents is accepted in a world file: partnercenter.resolve
// (how long Microsoft takes to resolve a migration that failed after suspension) was refused as
// unknown.
func TestDocumentedDurationsAreAccepted(t *testing.T) {
	for _, kind := range []string{"partnercenter.migration", "partnercenter.resolve", "partnercenter.schedule", "commerce.order", "mgn.launch"} {
		in := `{"behaviour": {"durations": {"` + kind + `": "2s"}}}`
		if _, err := DecodeWorld("world.json", []byte(in), table.Default()); err != nil {
			t.Errorf("%s: %v", kind, err)
		}
	}
}

// pcOf decodes the Partner Center section of a world.
func pcOf(t *testing.T, w any) partnercenter.SimWorld {
	t.Helper()
	var sections map[string]json.RawMessage
	switch w := w.(type) {
	case World:
		sections = w.Sections
	case *World:
		sections = w.Sections
	}
	var pc partnercenter.SimWorld
	if err := json.Unmarshal(sections["partnercenter"], &pc); err != nil {
		t.Fatalf("partnercenter section: %v", err)
	}
	return pc
}

// A world file that is not a regular file is refused before it is read: /dev/zero grew memory until
// the sandbox died, a FIFO blocked it for ever (even SIGTERM did not end it).
func TestLoadWorldRefusesNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "world.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	for path, want := range map[string]string{"/dev/zero": "(a device)", fifo: "(a named pipe)", dir: "(a directory)"} {
		done := make(chan error, 1)
		go func() { _, err := LoadWorld(path, table.Default()); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "is not a regular file "+want) {
				t.Errorf("LoadWorld(%s) = %v, want not a regular file %s", path, err, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("LoadWorld(%s) blocked", path)
		}
	}
}
