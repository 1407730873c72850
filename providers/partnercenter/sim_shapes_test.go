package partnercenter

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/providers/simkit"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFixturesDecode decodes every documented answer in testdata/ with the client.
func TestFixturesDecode(t *testing.T) {
	var tok struct {
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(readFixture(t, "token.json"), &tok); err != nil || tok.TokenType != "Bearer" || tok.AccessToken == "" || tok.ExpiresIn <= 0 {
		t.Errorf("token = %+v, %v", tok, err)
	}
	list, err := decodeSubscriptionList(OpListSubscriptions, readFixture(t, "subscriptions.json"))
	if err != nil || len(list.Items) != 2 || list.Items[0].Quantity != 25 || list.Items[1].MigratedFromSubscriptionID == "" ||
		list.Links == nil || list.Links.Next == nil || list.Links.Next.Headers[0].Key != "MS-ContinuationToken" {
		t.Errorf("subscriptions = %+v, %v", list, err)
	}
	ok, err := decodeValidationResult(OpValidateMigration, readFixture(t, "validate_eligible.json"))
	if err != nil || !ok.IsEligible || ok.TermDuration != "P1Y" || ok.BillingCycle != "Monthly" || len(ok.Reasons()) != 0 {
		t.Errorf("eligible = %+v, %v", ok, err)
	}
	bad, err := decodeValidationResult(OpValidateMigration, readFixture(t, "validate_ineligible_addons.json"))
	if err != nil || bad.IsEligible || len(bad.AddOnMigrations) != 1 {
		t.Fatalf("ineligible = %+v, %v", bad, err)
	}
	if r := bad.Reasons(); len(r) != 1 || !strings.HasPrefix(r[0], "add-on d2e3f4a5-b6c7-4d8e-9f0a-1b2c3d4e5f6a: NewCommerceProductUnavailable (5): New commerce product") {
		t.Errorf("reasons = %q", r)
	}
	for _, name := range []string{"migration_create.json", "migration_get.json"} {
		m, err := decodeMigration(OpGetMigration, readFixture(t, name))
		if err != nil || m.ID == "" || m.ExternalReferenceID == "" || m.Quantity != 25 {
			t.Errorf("%s = %+v, %v", name, m, err)
		}
	}
	eb, okb := decodeErrorBody(readFixture(t, "error.json"))
	if !okb || eb.Code != 800002 || eb.Source != "PartnerFD" || eb.Description == "" {
		t.Errorf("error body = %+v", eb)
	}
	eb, okb = decodeErrorBody(readFixture(t, "throttled.json"))
	if !okb || eb.Code != 429 || !strings.Contains(eb.Description, "Rate limit") {
		t.Errorf("429 body = %+v", eb)
	}
}

// TestFixtureQueryPagesAndErrors serves the documented query pages, error and 429 answers to the
// client: pages follow the MS-ContinuationToken header, statuses are compared case-insensitively.
func TestFixtureQueryPagesAndErrors(t *testing.T) {
	var throttled bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/v1/migrations/newcommerce":
			if q := r.URL.Query(); q.Get("PageSize") != "300" || q.Get("ExternalReferenceId") == "" {
				w.WriteHeader(400)
				w.Write(readFixture(t, "error.json"))
				return
			}
			if !throttled {
				throttled = true
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(429)
				w.Write(readFixture(t, "throttled.json"))
				return
			}
			switch r.Header.Get("MS-ContinuationToken") {
			case "":
				w.Header().Set("MS-ContinuationToken", "page-2-token")
				w.Write(readFixture(t, "migrations_page1.json"))
			case "page-2-token":
				w.Write(readFixture(t, "migrations_page2.json"))
			default:
				w.WriteHeader(400)
			}
		default:
			w.WriteHeader(400)
			w.Write(readFixture(t, "error.json"))
		}
	}))
	defer srv.Close()
	var waits []time.Duration
	c, err := NewClient(ClientConfig{BaseURL: srv.URL + "/v1", Limits: NoLimits(),
		Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := c.ListMigrations(context.Background(), MigrationQuery{ExternalReferenceID: "0f5c1c2a-8e8e-4f4b-9d7c-3a2b1c0d9e8f", CurrentSubscriptionID: "x"})
	if err != nil || len(ms) != 2 || ms[0].Status != MigrationCompleted || ms[1].Status != MigrationProcessing {
		t.Fatalf("ListMigrations = %+v, %v", ms, err)
	}
	if len(waits) != 1 || waits[0] != time.Second {
		t.Errorf("waits = %v, want the 429's Retry-After", waits)
	}
	_, err = c.GetMigration(context.Background(), "c", "m")
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != "800002" || !strings.Contains(ae.Description, "not eligible") {
		t.Errorf("error = %v", err)
	}
}

// sameShape reports the differences between the shape of the simulator's answer and its documented
// fixture (simkit.ShapeProblems).
func sameShape(t *testing.T, name string, fixture, sim []byte, optional ...string) {
	t.Helper()
	problems, err := simkit.ShapeProblems(name, fixture, sim, optional...)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// TestSimShapesMatchFixtures compares, key for key, what the simulator answers with the documented
// fixtures for the same situations.
func TestSimShapesMatchFixtures(t *testing.T) {
	ts := pcNewTestSim(t, pcTestWorld(), simkit.Behaviour{PageSize: 1})
	raw := func(method, path string, body any, hdr ...string) ([]byte, *http.Response) {
		t.Helper()
		var out json.RawMessage
		var resp *http.Response
		if len(hdr) == 0 {
			resp = ts.call(t, method, path, body, &out)
		} else {
			req, _ := http.NewRequest(method, ts.srv.URL+path, nil)
			req.Header.Set(hdr[0], hdr[1])
			r, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Body.Close()
			if err := json.NewDecoder(r.Body).Decode(&out); err != nil {
				t.Fatal(err)
			}
			resp = r
		}
		return out, resp
	}
	subs, _ := raw(http.MethodGet, "/v1/customers/"+pcTCustomer+"/subscriptions", nil)
	sameShape(t, "subscriptions.json", readFixture(t, "subscriptions.json"), subs,
		".items[].links", ".items[].attributes.etag", ".items[].entitlementId", ".items[].parentSubscriptionId",
		".items[].migratedFromSubscriptionId", ".items[].promotionId", ".items[].creationDate", ".items[].effectiveStartDate",
		".items[].friendlyName", ".items[].billingType", ".items[].contractType", ".items[].orderId", ".items[].unitType",
		".items[].productType.displayName")

	ok, _ := raw(http.MethodPost, pcValidatePath(pcTCustomer), MigrationRequest{CurrentSubscriptionID: pcTBase})
	sameShape(t, "validate_eligible.json", readFixture(t, "validate_eligible.json"), ok)
	bad, _ := raw(http.MethodPost, pcValidatePath(pcTCustomer), MigrationRequest{CurrentSubscriptionID: pcTBase,
		AddOnMigrations: []AddOnMigration{{CurrentSubscriptionID: pcTAddOn, TermDuration: "P1M", BillingCycle: "triennial"}}})
	sameShape(t, "validate_ineligible_addons.json", readFixture(t, "validate_ineligible_addons.json"), bad)

	created, _ := raw(http.MethodPost, pcCreatePath(pcTCustomer), MigrationRequest{CurrentSubscriptionID: pcTBase, ExternalReferenceID: "batch-1"})
	sameShape(t, "migration_create.json", readFixture(t, "migration_create.json"), created)
	var m Migration
	if err := json.Unmarshal(created, &m); err != nil {
		t.Fatal(err)
	}
	ts.clock.Advance(3 * time.Second)
	got, _ := raw(http.MethodGet, pcCreatePath(pcTCustomer)+"/"+m.ID, nil)
	raw(http.MethodPost, pcCreatePath(pcTCustomer), MigrationRequest{CurrentSubscriptionID: pcTBase2, ExternalReferenceID: "batch-1"})
	sameShape(t, "migration_get.json", readFixture(t, "migration_get.json"), got)

	page1, resp := raw(http.MethodGet, "/v1/migrations/newcommerce?ExternalReferenceId=batch-1&PageSize=300", nil)
	tok := resp.Header.Get("MS-ContinuationToken")
	if tok == "" {
		t.Fatal("no MS-ContinuationToken on page 1")
	}
	sameShape(t, "migrations_page1.json", readFixture(t, "migrations_page1.json"), page1)
	page2, resp := raw(http.MethodGet, "/v1/migrations/newcommerce?ExternalReferenceId=batch-1&PageSize=300", nil, "MS-ContinuationToken", tok)
	if resp.Header.Get("MS-ContinuationToken") != "" {
		t.Error("a continuation token on the last page")
	}
	sameShape(t, "migrations_page2.json", readFixture(t, "migrations_page2.json"), page2,
		"[].microsoftLed")

	errBody, resp := raw(http.MethodPost, pcCreatePath(pcTCustomer), MigrationRequest{CurrentSubscriptionID: pcTTrial})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("ineligible create: %d", resp.StatusCode)
	}
	sameShape(t, "error.json", readFixture(t, "error.json"), errBody)

	ts2 := pcNewTestSim(t, pcTestWorld(), simkit.Behaviour{Faults: []simkit.Fault{{Operation: OpGetSubscription, Status: 429, Count: 1}}})
	var thr json.RawMessage
	resp = ts2.call(t, http.MethodGet, "/v1/customers/"+pcTCustomer+"/subscriptions/"+pcTBase, nil, &thr)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("429: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	sameShape(t, "throttled.json", readFixture(t, "throttled.json"), thr)
}
