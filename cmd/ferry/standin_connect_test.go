package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	cxKey     = "SU-160-984-824:8c8e87f858cb70370aa1"
	cxProdA   = "PRD-183-233-565"
	cxProdB   = "PRD-276-377-618"
	cxForeign = "AS-0000-0000-0001, AS-0000-0000-0002,PR-0000-0000-0001-001 ,TA-0000-0000-0001,AS-0000-0000-0003"
)

func cxStr(s string) *string { return &s }

// TestAgainstDocumentedConnectStandin drives the real ferry binary against a stand-in of Connect
// written from Connect's OpenAPI spec and community docs (standin_connect_server_test.go), without
// FERRY_SANDBOX: pages cut to two rows, the rows' parameter named by a PRM id with the name beside
// it, a gateway's HTML 502 and a 429 with Retry-After on reads, writes answered 200 (a row rewritten)
// and 201 (a row created), a product with no row yet (the parameter's id looked up by name), and a
// key given without and then with its "ApiKey " prefix. Plan, apply and the next plan (no changes);
// every foreign byte is kept; each list is written once.
func TestAgainstDocumentedConnectStandin(t *testing.T) {
	st := newConnectStandin(cxKey)
	skip := cxParameter{ID: "PRM-183-233-565-0004", Name: "processor_skip_list", Title: "Processor Skip List", Type: "text", Scope: "marketplace", Phase: "configuration"}
	other := cxParameter{ID: "PRM-183-233-565-0001", Name: "hub_id", Title: "Hub", Type: "text", Scope: "marketplace", Phase: "configuration"}
	st.products[cxProdA] = &cxProduct{params: []cxParameter{other, skip}, rows: []*cxConfiguration{
		{Value: cxStr("HB-1"), StructuredValue: map[string]any{}, Parameter: other, Marketplace: &cxMarketplace{ID: "MP-65669", Name: "US"}},
		{Value: cxStr("HB-2"), StructuredValue: map[string]any{}, Parameter: other, Marketplace: &cxMarketplace{ID: "MP-11111", Name: "EU"}},
		// An item-level row of the same parameter and marketplace: not the marketplace's value.
		{Value: cxStr("AS-2222-2222-2222"), StructuredValue: map[string]any{}, Parameter: skip, Marketplace: &cxMarketplace{ID: "MP-65669"}, Item: &cxItem{ID: "PRD-183-233-565-0001"}},
		{Value: cxStr(cxForeign), StructuredValue: map[string]any{}, Parameter: skip, Marketplace: &cxMarketplace{ID: "MP-65669", Name: "US"}},
		{Value: nil, StructuredValue: map[string]any{}, Parameter: skip, Marketplace: &cxMarketplace{ID: "MP-11111", Name: "EU"}},
	}}
	skipB := cxParameter{ID: "PRM-276-377-618-0002", Name: "processor_skip_list", Title: "Processor Skip List", Type: "text", Scope: "marketplace", Phase: "configuration"}
	st.products[cxProdB] = &cxProduct{params: []cxParameter{{ID: "PRM-276-377-618-0001", Name: "processor_skip_list_old", Scope: "marketplace"}, skipB}}
	// An open request of product A in MP-65669 (the warning), one in a marketplace with no list.
	for i, mp := range []string{"MP-65669", "MP-99999"} {
		var q cxRequest
		q.ID, q.Type, q.Status = []string{"PR-5852-1608-1500-001", "PR-5852-1608-1501-001"}[i], "purchase", "pending"
		q.Asset.ID, q.Asset.Status = []string{"AS-5852-1608-1500", "AS-5852-1608-1501"}[i], "processing"
		q.Asset.Product.ID, q.Asset.Marketplace.ID = cxProdA, mp
		st.requests = append(st.requests, q)
	}
	cfgPath := "/products/" + cxProdA + "/configurations"
	st.htmlOn[cfgPath] = true       // the plan's first read meets the gateway's HTML page
	st.throttle["/requests"] = true // the plan's requests read is throttled once

	hs := httptest.NewServer(st)
	defer hs.Close()

	dir := t.TempDir()
	spec := `provider "connect" { endpoint = "` + hs.URL + `/public/v1" }

skip_list "us" {
  product     = "` + cxProdA + `"
  marketplace = "MP-65669"
  entries     = ["AS-1564-9639-4055", "AS-0000-0000-0002"]
}

skip_list "eu" {
  product     = "` + cxProdA + `"
  marketplace = "MP-11111"
  entries     = ["PR-3590-4186-1549-001"]
}

skip_list "new" {
  product     = "` + cxProdB + `"
  marketplace = "MP-65669"
  entries     = ["AS-1111-2222-3333"]
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.ferry.hcl"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FERRY_") {
			env = append(env, kv)
		}
	}
	env = append(env, "NO_COLOR=1", "FERRY_CONNECT_API_KEY="+cxKey)

	out := runFerry(t, env, 0, "plan", "--chdir", dir)
	t.Logf("plan:\n%s", out)
	for _, want := range []string{
		"+ AS-1564-9639-4055: append",
		"+ PR-3590-4186-1549-001: append",
		"+ AS-1111-2222-3333: append",
		"PR-5852-1608-1500-001",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q", want)
		}
	}
	if strings.Contains(out, "PR-5852-1608-1501-001") {
		t.Errorf("the open request of another marketplace is named: the declared filter was not sent")
	}

	out = runFerry(t, env, 0, "apply", "--auto-approve", "--chdir", dir)
	t.Logf("apply:\n%s", out)
	if !strings.Contains(out, "3 done, 0 failed") {
		t.Errorf("apply:\n%s", out)
	}

	// The key with its prefix is sent once, not doubled.
	env[len(env)-1] = "FERRY_CONNECT_API_KEY=ApiKey " + cxKey
	out = runFerry(t, env, 0, "plan", "--detailed-exitcode", "--chdir", dir)
	if !strings.Contains(out, "No changes") {
		t.Errorf("the next plan:\n%s", out)
	}
	if strings.Contains(out, "8c8e87f858cb70370aa1") {
		t.Errorf("the key's secret was printed")
	}

	for _, c := range []struct{ product, mp, want string }{
		{cxProdA, "MP-65669", cxForeign + ",AS-1564-9639-4055"},
		{cxProdA, "MP-11111", "PR-3590-4186-1549-001"},
		{cxProdB, "MP-65669", "AS-1111-2222-3333"},
	} {
		if got := st.value(c.product, "processor_skip_list", c.mp); got != c.want {
			t.Errorf("%s %s: value %q, want %q", c.product, c.mp, got, c.want)
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.writes) != 3 {
		t.Errorf("%d writes, want 3 (one per list): %v", len(st.writes), st.writes)
	}
	if st.calls["GET /parameters"] == 0 {
		t.Errorf("the parameter of %s (no row yet) was never looked up by name", cxProdB)
	}
	if len(st.htmlOn) != 0 || len(st.throttle) != 0 {
		t.Errorf("a scripted fault was never met: html %v, 429 %v", st.htmlOn, st.throttle)
	}
	for _, v := range st.violations {
		t.Errorf("request outside the documented contract: %s", v)
	}
	t.Logf("calls %v, writes %v", st.calls, st.writes)
}
