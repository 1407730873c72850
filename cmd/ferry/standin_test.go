package main

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/state"
)

const (
	stTenant   = "5e7a1b2c-0000-4000-8000-00000000aaaa"
	stClientID = "9b1f0c3e-0000-4000-8000-00000000bbbb"
	stSecret   = "st~Secret.Value_0123456789abcdefghijkl"
	stCustA    = "0c39d6d5-c70d-4c55-bc02-f620844f3fd1"
	stCustB    = "7d2e8a10-3b4c-4d5e-9f60-718293a4b5c6"
	stOffer    = "91fd106f-4b2c-4938-95ac-f54f74e9a239" // Office 365 E3 (legacy)
	stNoNCE    = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" // a legacy offer with no New Commerce product
)

// stLegacy returns an active legacy subscription of the stand-in.
func stLegacy(id, offer string, qty int) *stSub {
	return &stSub{ID: id, OfferID: offer, OfferName: "Office 365 E3", Quantity: qty, Status: "active", BillingCycle: "monthly",
		TermDuration: "P1Y", CommitmentEndDate: time.Date(2027, 2, 28, 0, 0, 0, 0, time.UTC), OrderID: stID(),
		ProductType: "OnlineServices", Created: time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)}
}

// TestAgainstDocumentedStandin drives the real ferry binary against a stand-in of Partner Center
// and Azure AD written from Microsoft's documentation (standin_server_test.go), with credentials and
// FERRY_SANDBOX unset: a wrong secret is refused with Azure AD's error; the plan shows an ineligible
// subscription with Microsoft's description and the code's name; apply migrates each eligible one
// exactly once although one create's answer is lost (the create is performed, the connection drops,
// ferry reconciles through the paged migration query); a migration Microsoft started itself is
// recorded without a create; and the next plan has no changes.
func TestAgainstDocumentedStandin(t *testing.T) {
	st := newStandin(stTenant, stClientID, stSecret)
	st.catalog[stOffer] = "CFQ7TTC0LF8Q:0001:CFQ7TTC0KQDF"
	a := []string{"a1000000-0000-4000-8000-000000000001", "a1000000-0000-4000-8000-000000000002", "a1000000-0000-4000-8000-000000000003"}
	aIneligible := "a1000000-0000-4000-8000-000000000004"
	b := []string{"b2000000-0000-4000-8000-000000000001", "b2000000-0000-4000-8000-000000000002"}
	bMicrosoft := "b2000000-0000-4000-8000-000000000003"
	for i, id := range a {
		st.customers[stCustA] = append(st.customers[stCustA], stLegacy(id, stOffer, 10+i))
	}
	st.customers[stCustA] = append(st.customers[stCustA], stLegacy(aIneligible, stNoNCE, 3))
	for i, id := range append(append([]string(nil), b...), bMicrosoft) {
		st.customers[stCustB] = append(st.customers[stCustB], stLegacy(id, stOffer, 20+i))
	}
	// Microsoft migrates bMicrosoft itself (term end since January 2024): in flight before any apply.
	now := time.Now()
	st.migrations = append(st.migrations, &stMigration{ID: stID(), CustomerTenantID: stCustB, CurrentSubscriptionID: bMicrosoft,
		Status: "Processing", CatalogItemID: st.catalog[stOffer], TermDuration: "P1Y", BillingCycle: "Monthly", Quantity: 22,
		StartedTime: now, doneAt: now.Add(3 * time.Second), MicrosoftLed: true})
	// The answer to a2's create is lost: performed, then the connection drops.
	st.dropCreateOf[a[1]] = true

	hs := httptest.NewServer(st)
	defer hs.Close()

	dir := t.TempDir()
	var blocks strings.Builder
	for name, c := range map[string]struct {
		customer string
		ids      []string
	}{"a": {stCustA, append(append([]string(nil), a...), aIneligible)}, "b": {stCustB, append(append([]string(nil), b...), bMicrosoft)}} {
		fmt.Fprintf(&blocks, `
subscription %q {
  for_each         = toset(%s)
  customer_id      = %q
  microsoft_domain = "%s.onmicrosoft.com"
  migrate_from     = each.key
  term_duration    = "P1Y"
  billing_cycle    = "monthly"
}
`, name, hclList(c.ids), c.customer, name)
	}
	spec := fmt.Sprintf(`provider "partnercenter" {
  endpoint      = %q
  authority     = %q
  tenant_id     = %q
  poll_interval = "200ms"
}
%s`, hs.URL, hs.URL, stTenant, blocks.String())
	if err := os.WriteFile(filepath.Join(dir, "main.ferry.hcl"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FERRY_") {
			env = append(env, kv)
		}
	}
	env = append(env, "NO_COLOR=1", "FERRY_PARTNERCENTER_CLIENT_ID="+stClientID)

	// A wrong secret: Azure AD's refusal, named, and the secret never printed.
	began := time.Now()
	out := runFerry(t, append(env, "FERRY_PARTNERCENTER_CLIENT_SECRET=wrong-"+stSecret), 1, "plan", "--chdir", dir)
	if took := time.Since(began); took > 10*time.Second {
		t.Errorf("plan with a wrong secret took %s: a refused token request is final, not retried", took.Round(time.Millisecond))
	}
	if !strings.Contains(out, "Azure AD refused the token request (HTTP 401 invalid_client)") || !strings.Contains(out, "AADSTS7000215") || strings.Contains(out, stSecret) {
		t.Errorf("plan with a wrong secret:\n%s", out)
	}
	env = append(env, "FERRY_PARTNERCENTER_CLIENT_SECRET="+stSecret)

	out = runFerry(t, env, 0, "plan", "--chdir", dir)
	t.Logf("plan:\n%s", out)
	for _, want := range []string{
		`subscription.a["` + aIneligible + `"] blocked`,
		`NewCommerceProductUnavailable (5): New commerce product is not available for the current subscription.`,
		`subscription.b["` + bMicrosoft + `"] resume`,
		`subscription.a["` + a[1] + `"] migrate`,
		`Plan: 5 to migrate, 1 to resume, 0 unchanged, 0 to forget, 1 blocked.`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q", want)
		}
	}

	out = runFerry(t, env, 3, "apply", "--auto-approve", "--chdir", dir)
	t.Logf("apply:\n%s", out)
	if !strings.Contains(out, "6 done, 0 failed") {
		t.Errorf("apply did not finish the six:\n%s", out)
	}

	out = runFerry(t, env, 0, "plan", "--detailed-exitcode", "--chdir", dir)
	if !strings.Contains(out, "No changes that ferry can make: 1 blocked") {
		t.Errorf("the next plan:\n%s", out)
	}

	st.mu.Lock()
	defer st.mu.Unlock()
	for _, id := range append(append([]string(nil), a...), b...) {
		if st.creates[id] != 1 {
			t.Errorf("legacy subscription %s: %d creates performed, want exactly 1", id, st.creates[id])
		}
	}
	for _, id := range []string{aIneligible, bMicrosoft} {
		if st.creates[id] != 0 {
			t.Errorf("legacy subscription %s: %d creates, want none", id, st.creates[id])
		}
	}
	if len(st.dropCreateOf) != 0 {
		t.Errorf("the lost answer was never provoked: %v", st.dropCreateOf)
	}
	if st.continuations == 0 {
		t.Errorf("ferry never followed an MS-ContinuationToken (requests %v)", st.requests)
	}
	for _, v := range st.violations {
		t.Errorf("request outside the documented contract: %s", v)
	}
	// The watcher's per-customer events read is refused here (the stricter reading of the docs):
	// once per customer in the apply, never again, and the migrations go on without it.
	if n := st.requests["GET events"]; n > 2 {
		t.Errorf("%d events reads refused, want at most one per customer", n)
	}
	if st.tokenRequests > 8 {
		t.Errorf("%d token requests for four runs: the token is not reused", st.tokenRequests)
	}
	t.Logf("requests %v, continuation pages %d, token requests %d", st.requests, st.continuations, st.tokenRequests)

	ss, err := state.Open(filepath.Join(dir, "ferry.state.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range ss.Addrs() {
		r, _ := ss.Get(addr)
		if r.Status != "migrated" || r.RemoteIDs["new_subscription_id"] == "" {
			t.Errorf("%s: status %q, remote IDs %v", addr, r.Status, r.RemoteIDs)
		}
	}
	if ss.Len() != 6 {
		t.Errorf("state holds %d entries, want 6", ss.Len())
	}
}

func hclList(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = fmt.Sprintf("%q", id)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
