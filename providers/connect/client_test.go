package connect

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers/simkit"
)

func readFixture(name string) ([]byte, error) { return os.ReadFile("testdata/" + name) }

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := readFixture(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testClient(url string) *Client {
	c := NewClient(url, "ApiKey SU-123-456:secret", nil)
	c.Backoff, c.MaxWait = time.Millisecond, 5*time.Millisecond
	return c
}

// The server cuts limit=100 to two rows: the next offset comes from Content-Range, and the key is
// sent once prefixed with "ApiKey ".
func TestListConfigurationsPagesByContentRange(t *testing.T) {
	var mu sync.Mutex
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		if got := r.Header.Get("Authorization"); got != "ApiKey SU-123-456:secret" {
			t.Errorf("Authorization = %q", got)
		}
		if r.URL.Path != "/public/v1/products/PRD-183-233-565/configurations" {
			t.Errorf("path = %s", r.URL.Path)
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Query().Get("offset") {
		case "0":
			w.Header().Set("Content-Range", "items 0-1/3")
			w.Write(fixture(t, "configurations_page1.json"))
		case "2":
			w.Header().Set("Content-Range", "items 2-2/3")
			w.Write(fixture(t, "configurations_page2.json"))
		default:
			t.Errorf("unexpected offset %q", r.URL.Query().Get("offset"))
			w.Write([]byte("[]"))
		}
	}))
	defer srv.Close()
	rows, err := testClient(srv.URL+"/public/v1/").ListConfigurations(context.Background(), "PRD-183-233-565")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || len(queries) != 2 {
		t.Fatalf("rows = %d, queries = %q", len(rows), queries)
	}
	if !strings.Contains(queries[0], "limit=100") {
		t.Errorf("first query = %q", queries[0])
	}
	if rows[0].Value == nil || *rows[0].Value != "AS-0000-0000-0001, AS-0000-0000-0002" || rows[1].Value != nil || rows[2].Item == nil {
		t.Errorf("rows = %+v", rows)
	}
	l := match(rows, &model.SkipList{Product: "PRD-183-233-565", Marketplace: "MP-65669", Parameter: "processor_skip_list"})
	if !l.Found || l.Value != "AS-0000-0000-0001, AS-0000-0000-0002" {
		t.Errorf("match = %+v (the item-level row must not match)", l)
	}
	if l := match(rows, &model.SkipList{Marketplace: "MP-11111", Parameter: "processor_skip_list"}); !l.Found || l.Value != "" {
		t.Errorf("unset row = %+v", l)
	}
}

func TestNormalizeKey(t *testing.T) {
	for in, want := range map[string]string{"SU-1:x": "SU-1:x", "ApiKey SU-1:x": "SU-1:x", " apikey SU-1:x ": "SU-1:x"} {
		if got := NormalizeKey(in); got != want {
			t.Errorf("NormalizeKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// Reads retry 5xx (an HTML body) and 429; the error after the last try is clear.
func TestReadRetriesAndErrors(t *testing.T) {
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		i := n
		mu.Unlock()
		switch {
		case i == 1:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write(fixture(t, "error_validation.json"))
		case i <= 3 || strings.Contains(r.URL.Path, "PRD-BAD"):
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			w.Write(fixture(t, "error_gateway.html"))
		default:
			w.Header().Set("Content-Range", "items 0-0/0")
			w.Write([]byte("[]"))
		}
	}))
	defer srv.Close()
	c := testClient(srv.URL)
	rows, err := c.ListConfigurations(context.Background(), "PRD-1")
	if err != nil || len(rows) != 0 || n != 4 {
		t.Fatalf("rows = %v, err = %v after %d requests", rows, err, n)
	}
	_, err = c.ListConfigurations(context.Background(), "PRD-BAD")
	if err == nil || !strings.Contains(err.Error(), "HTTP 502") || !strings.Contains(err.Error(), "502 Bad Gateway nginx") || strings.Contains(err.Error(), "<") {
		t.Errorf("err = %v", err)
	}
}

// A 4xx answer to a read is not retried and names Connect's error code and messages.
func TestReadErrorNotRetried(t *testing.T) {
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		w.WriteHeader(http.StatusBadRequest)
		w.Write(fixture(t, "error_validation.json"))
	}))
	defer srv.Close()
	_, err := testClient(srv.URL).ListConfigurations(context.Background(), "PRD-1")
	want := "Connect GET /products/PRD-1/configurations: HTTP 400 VAL_001: value: This field may not be blank.; marketplace: Invalid marketplace."
	if err == nil || err.Error() != want || n != 1 {
		t.Errorf("err = %v after %d requests, want %q", err, n, want)
	}
}

// Writes are sent once: any 2xx is success, a 5xx leaves the outcome unknown, a 4xx is final.
func TestSetConfiguration(t *testing.T) {
	for _, tc := range []struct {
		status  int
		unknown bool
		ok      bool
	}{{200, false, true}, {201, false, true}, {204, false, true}, {500, true, false}, {400, false, false}} {
		n := 0
		var body string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n++
			b, _ := io.ReadAll(r.Body)
			body = string(b)
			if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
				t.Errorf("%s %s", r.Method, r.Header.Get("Content-Type"))
			}
			w.WriteHeader(tc.status)
			if tc.status >= 400 {
				w.Write(fixture(t, "error_validation.json"))
			}
		}))
		v := "AS-1,AS-2"
		err := testClient(srv.URL).SetConfiguration(context.Background(), "PRD-1",
			SetConfiguration{Parameter: Ref{ID: "PRM-183-233-565-0001"}, Marketplace: Ref{ID: "MP-1"}, Value: &v})
		srv.Close()
		if n != 1 || (err == nil) != tc.ok || errors.Is(err, model.ErrOutcomeUnknown) != tc.unknown {
			t.Errorf("HTTP %d: %d requests, err = %v", tc.status, n, err)
		}
		if want := `{"parameter":{"id":"PRM-183-233-565-0001"},"marketplace":{"id":"MP-1"},"value":"AS-1,AS-2"}`; body != want {
			t.Errorf("body = %s, want %s", body, want)
		}
	}
}

func TestParseContentRange(t *testing.T) {
	if cr, ok := parseContentRange("items 0-99/250"); !ok || cr.Last != 99 || cr.Total != 250 {
		t.Errorf("got %+v %v", cr, ok)
	}
	if cr, ok := parseContentRange("items 100-199/*"); !ok || cr.Total != -1 {
		t.Errorf("got %+v %v", cr, ok)
	}
	for _, bad := range []string{"", "bytes 0-1/2", "items 5-1/9", "items a-b/c"} {
		if _, ok := parseContentRange(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestListOpenRequestsFiltersWithRQL(t *testing.T) {
	var query string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/public/v1/requests" {
			t.Errorf("path = %s", r.URL.Path)
		}
		query = r.URL.RawQuery
		w.Header().Set("Content-Range", "items 0-1/2")
		w.Write(fixture(t, "requests_open.json"))
	}))
	defer srv.Close()
	got, err := testClient(srv.URL+"/public/v1").ListOpenRequests(context.Background(), "PRD-183-233-565", "MP-65669", OpenStatuses)
	if err != nil {
		t.Fatal(err)
	}
	want := "and(eq(asset.product.id,PRD-183-233-565),eq(asset.marketplace.id,MP-65669),in(status,(pending,inquiring,tiers_setup,draft,scheduled)))&limit=100&offset=0"
	if query != want {
		t.Errorf("query = %s\nwant    %s", query, want)
	}
	if len(got) != 2 || got[0].ID != "PR-5852-1077-1453-001" || got[0].Status != "pending" || got[1].Asset.ID != "AS-5852-1077-1454" {
		t.Errorf("requests = %+v", got)
	}
}

// TestSimulatorRequestsRQL: the simulator answers the same query with only the open requests of the
// product in the marketplace.
func TestSimulatorRequestsRQL(t *testing.T) {
	section := `{"products": {}, "requests": [
	  {"id": "PR-1000-0000-0001-001", "type": "purchase", "status": "pending", "asset": {"id": "AS-1000-0000-0001", "status": "processing", "product": {"id": "PRD-1"}, "marketplace": {"id": "MP-1"}}},
	  {"id": "PR-1000-0000-0002-001", "type": "purchase", "status": "approved", "asset": {"id": "AS-1000-0000-0002", "status": "active", "product": {"id": "PRD-1"}, "marketplace": {"id": "MP-1"}}},
	  {"id": "PR-1000-0000-0003-001", "type": "purchase", "status": "draft", "asset": {"id": "AS-1000-0000-0003", "status": "draft", "product": {"id": "PRD-1"}, "marketplace": {"id": "MP-2"}}},
	  {"id": "PR-1000-0000-0005-001", "type": "change", "status": "scheduled", "asset": {"id": "AS-1000-0000-0001", "status": "active", "product": {"id": "PRD-1"}, "marketplace": {"id": "MP-1"}}},
	  {"id": "PR-1000-0000-0004-001", "type": "purchase", "status": "tiers_setup", "asset": {"id": "AS-1000-0000-0004", "status": "processing", "product": {"id": "PRD-2"}, "marketplace": {"id": "MP-1"}}}]}`
	sim, err := NewSimulator([]byte(section), simkit.NewEnv(simkit.Behaviour{}))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	got, err := testClient(srv.URL).ListOpenRequests(context.Background(), "PRD-1", "MP-1", OpenStatuses)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "PR-1000-0000-0001-001" || got[1].ID != "PR-1000-0000-0005-001" {
		t.Errorf("requests = %+v, want PR-1000-0000-0001-001 and the scheduled PR-1000-0000-0005-001", got)
	}
}

// The fixture's requests, pasted into a world as they are, load (unknown fields ignored) and are
// listed back.
func TestSimulatorLoadsDocumentedRequests(t *testing.T) {
	section := `{"products": {}, "requests": ` + string(fixture(t, "requests_open.json")) + `}`
	sim, err := NewSimulator([]byte(section), simkit.NewEnv(simkit.Behaviour{}))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	got, err := testClient(srv.URL).ListOpenRequests(context.Background(), "PRD-183-233-565", "MP-65669", OpenStatuses)
	if err != nil || len(got) != 2 {
		t.Fatalf("requests = %+v, %v", got, err)
	}
	if _, err := NewSimulator([]byte(`{"products": {}, "assets": [{"id": "AS-1"}]}`), simkit.NewEnv(simkit.Behaviour{})); err == nil ||
		!strings.Contains(err.Error(), "connect.assets[0].id") {
		t.Errorf("bad asset id: %v", err)
	}
}

// The parameter's PRM id is looked up by name with the declared RQL filter eq(name,…).
func TestParameterIDByName(t *testing.T) {
	var query string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/products/PRD-183-233-565/parameters" {
			http.NotFound(w, r)
			return
		}
		query = r.URL.RawQuery
		w.Header().Set("Content-Range", "items 0-0/1")
		w.Write(fixture(t, "parameters_by_name.json"))
	}))
	defer srv.Close()
	id, err := testClient(srv.URL).ParameterID(context.Background(), "PRD-183-233-565", "processor_skip_list")
	if err != nil || id != "PRM-183-233-565-0001" {
		t.Errorf("id = %q, err = %v", id, err)
	}
	if !strings.HasPrefix(query, "eq(name,processor_skip_list)&") {
		t.Errorf("query = %q", query)
	}
	// A server that ignores the filter answers other parameters: none of them is taken.
	if id, err := testClient(srv.URL).ParameterID(context.Background(), "PRD-183-233-565", "other"); err != nil || id != "" {
		t.Errorf("other: id = %q, err = %v", id, err)
	}
}

func TestParseRetryAfterForms(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for h, want := range map[string]time.Duration{"": 0, "2": 2 * time.Second, "0": 0, "x": 0,
		"Tue, 01 Dec 2026 10:00:05 GMT": 5 * time.Second, "Tue, 01 Dec 2026 09:59:00 GMT": 0} {
		if got := parseRetryAfter(h, now); got != want {
			t.Errorf("%q: %s, want %s", h, got, want)
		}
	}
}
