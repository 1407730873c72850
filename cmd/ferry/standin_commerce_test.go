package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	ccToken   = "aps-token-7f3c2a91d04e"
	ccAccount = "1000048"
	ccCust    = "3f2a3b4c-1111-4a5b-8c9d-000000000001"
)

// TestAgainstDocumentedCommerceStandin drives the real ferry binary against a stand-in of the APS
// order manager written from CloudBlue's documents (standin_commerce_server_test.go), without
// FERRY_SANDBOX: two migrations in new-subscription mode (a SALES order with the migration guide's
// ordering parameters, then the CANCELLATION of the source subscription), orders whose completion is
// told by provisioningStatus only, a gateway's HTML 503 and a 429 with Retry-After on reads, answers
// 201 and 200 to placeOrder. Plan, apply and the next plan (no changes); each order placed once.
func TestAgainstDocumentedCommerceStandin(t *testing.T) {
	st := newCommerceStandin(ccToken)
	legacy := []string{"11111111-aaaa-4aaa-8aaa-000000000001", "11111111-aaaa-4aaa-8aaa-000000000002"}
	source := []string{"1000122", "1000125"}
	for i := range legacy {
		st.subs = append(st.subs, &ccSubscription{ID: source[i], AccountID: ccAccount, PlanID: "csp-e3", Status: "ACTIVE", VendorSubscriptionID: legacy[i]})
	}
	st.htmlOn["subscription-manager/subscriptions"] = true
	st.throttle["order-manager/orders"] = true

	hs := httptest.NewServer(st)
	defer hs.Close()

	dir := t.TempDir()
	spec := `provider "commerce" {
  endpoint      = "` + hs.URL + `"
  poll_interval = "100ms"
}
`
	for i, name := range []string{"e3", "e5"} {
		spec += `
subscription "` + name + `" {
  via              = "commerce"
  customer_id      = "` + ccCust + `"
  microsoft_domain = "contosonce.onmicrosoft.com"
  migrate_from     = "` + legacy[i] + `"
  term_duration    = "P1Y"
  billing_cycle    = "monthly"
  commerce {
    account_id             = "` + ccAccount + `"
    source_subscription_id = "` + source[i] + `"
    plan_id                = "nce-` + name + `"
    mode                   = "new_subscription"
  }
}
`
	}
	if err := os.WriteFile(filepath.Join(dir, "main.ferry.hcl"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FERRY_") {
			env = append(env, kv)
		}
	}
	env = append(env, "NO_COLOR=1", "FERRY_COMMERCE_APS_TOKEN="+ccToken)

	out := runFerry(t, env, 0, "plan", "--chdir", dir)
	t.Logf("plan:\n%s", out)
	if !strings.Contains(out, "2 to migrate") {
		t.Errorf("plan: want two migrations")
	}
	out = runFerry(t, env, 0, "apply", "--auto-approve", "--chdir", dir)
	t.Logf("apply:\n%s", out)
	if !strings.Contains(out, "2 done, 0 failed") {
		t.Errorf("apply did not finish both")
	}
	out = runFerry(t, env, 0, "plan", "--detailed-exitcode", "--chdir", dir)
	if !strings.Contains(out, "No changes") {
		t.Errorf("the next plan:\n%s", out)
	}
	if strings.Contains(out, ccToken) {
		t.Errorf("the APS token was printed")
	}

	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.sales) != 2 {
		t.Errorf("sales orders by transaction_id: %v, want two", st.sales)
	}
	for tx, n := range st.sales {
		if n != 1 {
			t.Errorf("transaction %s: %d sales orders, want 1", tx, n)
		}
	}
	for _, id := range source {
		if st.cancels[id] != 1 {
			t.Errorf("source subscription %s: %d cancellations, want 1", id, st.cancels[id])
		}
	}
	for _, sub := range st.subs {
		if sub.ID == source[0] || sub.ID == source[1] {
			if sub.Status != "TERMINATED" {
				t.Errorf("source subscription %s is %s", sub.ID, sub.Status)
			}
		}
	}
	if len(st.htmlOn) != 0 || len(st.throttle) != 0 {
		t.Errorf("a scripted fault was never met: html %v, 429 %v", st.htmlOn, st.throttle)
	}
	for _, v := range st.violations {
		t.Errorf("request outside the documented contract: %s", v)
	}
	t.Logf("calls %v", st.calls)
}
