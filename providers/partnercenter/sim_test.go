package partnercenter

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/providers/simkit"
	"github.com/google/go-cmp/cmp"
)

func pcValidatePath(c string) string {
	return "/v1/customers/" + c + "/migrations/newcommerce/validate"
}
func pcCreatePath(c string) string { return "/v1/customers/" + c + "/migrations/newcommerce" }

func TestSimValidateRules(t *testing.T) {
	addOn := func(id string) []AddOnMigration {
		return []AddOnMigration{{CurrentSubscriptionID: id, TermDuration: "P1M", BillingCycle: "monthly"}}
	}
	tests := []struct {
		name      string
		customer  string
		req       MigrationRequest
		status    int
		eligible  bool
		catalog   string
		wantCodes []int
	}{
		{name: "eligible base", req: MigrationRequest{CurrentSubscriptionID: pcTBase, TermDuration: "P1Y", BillingCycle: "monthly"}, eligible: true},
		{name: "eligible with defaults from the legacy subscription", req: MigrationRequest{CurrentSubscriptionID: pcTBase}, eligible: true},
		{name: "eligible base with add-on", req: MigrationRequest{CurrentSubscriptionID: pcTBase, TermDuration: "P1Y", BillingCycle: "annual", AddOnMigrations: addOn(pcTAddOn)}, eligible: true},
		{name: "eligible triennial", req: MigrationRequest{CurrentSubscriptionID: pcTBase, TermDuration: "P3Y", BillingCycle: "triennial"}, eligible: true},
		{name: "case-insensitive IDs", customer: strings.ToUpper(pcTCustomer), req: MigrationRequest{CurrentSubscriptionID: strings.ToUpper(pcTBase)}, eligible: true},
		{name: "trial", req: MigrationRequest{CurrentSubscriptionID: pcTTrial}, wantCodes: []int{EligibilityNewCommerceProductUnavailable}},
		{name: "not active", req: MigrationRequest{CurrentSubscriptionID: pcTSuspended}, wantCodes: []int{EligibilitySubscriptionStatusNotActive}},
		{name: "promotion", req: MigrationRequest{CurrentSubscriptionID: pcTPromo}, wantCodes: []int{EligibilitySubscriptionPromotionsPresent}},
		{name: "no New Commerce equivalent", req: MigrationRequest{CurrentSubscriptionID: pcTNoEquiv}, wantCodes: []int{EligibilityNewCommerceProductUnavailable}},
		{name: "already processing", req: MigrationRequest{CurrentSubscriptionID: pcTBusy}, wantCodes: []int{EligibilitySubscriptionBeingProcessingInOms}},
		{name: "add-on alone", req: MigrationRequest{CurrentSubscriptionID: pcTAddOn}, eligible: true, catalog: pcNceAddOn},
		{name: "add-on of another base", req: MigrationRequest{CurrentSubscriptionID: pcTBase, AddOnMigrations: addOn(pcTAddOn2)}, status: http.StatusBadRequest},
		{name: "unknown add-on", req: MigrationRequest{CurrentSubscriptionID: pcTBase, AddOnMigrations: addOn("nope")}, status: http.StatusBadRequest},
		{name: "add-on listed twice", req: MigrationRequest{CurrentSubscriptionID: pcTBase, AddOnMigrations: append(addOn(pcTAddOn), addOn(pcTAddOn)...)}, status: http.StatusBadRequest},
		{name: "triennial billing without P3Y", req: MigrationRequest{CurrentSubscriptionID: pcTBase, TermDuration: "P1Y", BillingCycle: "triennial"}, wantCodes: []int{EligibilityTermDurationBillingCycleCombinationNotSupported}},
		{name: "annual billing on a monthly term", req: MigrationRequest{CurrentSubscriptionID: pcTBase, TermDuration: "P1M", BillingCycle: "annual"}, wantCodes: []int{EligibilityTermDurationBillingCycleCombinationNotSupported}},
		{name: "unknown term", req: MigrationRequest{CurrentSubscriptionID: pcTBase, TermDuration: "P2Y", BillingCycle: "monthly"}, wantCodes: []int{EligibilityTermDurationBillingCycleCombinationNotSupported}},
		{name: "negative quantity", req: MigrationRequest{CurrentSubscriptionID: pcTBase, Quantity: -3}, status: http.StatusBadRequest},
		{name: "add-on errors are reported too", req: MigrationRequest{CurrentSubscriptionID: pcTBase, AddOnMigrations: []AddOnMigration{{CurrentSubscriptionID: pcTAddOn, TermDuration: "P1M", BillingCycle: "triennial"}}}, wantCodes: []int{EligibilityTermDurationBillingCycleCombinationNotSupported}},
		{name: "subscription of another customer", req: MigrationRequest{CurrentSubscriptionID: pcTOtherCust}, status: http.StatusNotFound},
		{name: "unknown customer", customer: "99999999-9999-9999-9999-999999999999", req: MigrationRequest{CurrentSubscriptionID: pcTBase}, status: http.StatusNotFound},
		{name: "missing subscription id", req: MigrationRequest{}, status: http.StatusBadRequest},
	}
	ts := pcNewTestSim(t, pcTestWorld(), simkit.Behaviour{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			customer := tt.customer
			if customer == "" {
				customer = pcTCustomer
			}
			var res ValidationResult
			resp := ts.call(t, http.MethodPost, pcValidatePath(customer), tt.req, &res)
			want := tt.status
			if want == 0 {
				want = http.StatusOK
			}
			if resp.StatusCode != want {
				t.Fatalf("status = %d, want %d", resp.StatusCode, want)
			}
			if want != http.StatusOK {
				return
			}
			if res.IsEligible != tt.eligible {
				t.Fatalf("isEligible = %v, want %v (errors %+v)", res.IsEligible, tt.eligible, res.Errors)
			}
			wantCatalog := tt.catalog
			if wantCatalog == "" {
				wantCatalog = pcNceE3
			}
			if tt.eligible && res.CatalogItemID != wantCatalog {
				t.Errorf("catalogItemId = %q, want %q", res.CatalogItemID, wantCatalog)
			}
			var codes []int
			errs := res.Errors
			for _, a := range res.AddOnMigrations {
				errs = append(errs, a.Errors...)
			}
			for _, e := range errs {
				codes = append(codes, e.Code)
				if len(e.Description) < 20 {
					t.Errorf("description %q is not a sentence", e.Description)
				}
			}
			if diff := cmp.Diff(tt.wantCodes, codes); diff != "" {
				t.Errorf("codes (-want +got):\n%s", diff)
			}
		})
	}
	if got := ts.env.Stats.Get(OpValidateMigration); got != int64(len(tests)) {
		t.Errorf("validate stats = %d, want %d", got, len(tests))
	}
	if n := len(ts.sim.World().Migrations); n != 1 {
		t.Errorf("validate created migrations: %d", n)
	}
}

func TestSimCreateRules(t *testing.T) {
	tests := []struct {
		name     string
		req      MigrationRequest
		status   int
		wantCode int
	}{
		{name: "ineligible is 400 with the reason", req: MigrationRequest{CurrentSubscriptionID: pcTTrial}, status: http.StatusBadRequest, wantCode: errCodeIneligible},
		{name: "processing is 409", req: MigrationRequest{CurrentSubscriptionID: pcTBusy}, status: http.StatusConflict, wantCode: errCodeConflict},
		{name: "unknown subscription is 404", req: MigrationRequest{CurrentSubscriptionID: "nope"}, status: http.StatusNotFound, wantCode: errCodeNotFound},
		{name: "bad body is 400", req: MigrationRequest{}, status: http.StatusBadRequest, wantCode: errCodeBadRequest},
	}
	ts := pcNewTestSim(t, pcTestWorld(), simkit.Behaviour{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body ErrorBody
			resp := ts.call(t, http.MethodPost, pcCreatePath(pcTCustomer), tt.req, &body)
			if resp.StatusCode != tt.status || body.Code != tt.wantCode || body.Description == "" || body.Source != "PartnerFD" {
				t.Fatalf("got %d %+v, want %d %d", resp.StatusCode, body, tt.status, tt.wantCode)
			}
		})
	}
	if n := len(ts.sim.World().Migrations); n != 1 {
		t.Fatalf("refused creates made migrations: %d", n)
	}
}

func TestSimLifecycle(t *testing.T) {
	tests := []struct {
		name     string
		fullTerm bool
		wantEnd  time.Time
	}{
		{name: "co-term keeps the legacy end date", wantEnd: pcTLegacyEnd},
		{name: "full term runs from the start", fullTerm: true, wantEnd: pcTT0.Add(2*time.Second).AddDate(1, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := pcNewTestSim(t, pcTestWorld(), simkit.Behaviour{})
			req := MigrationRequest{CurrentSubscriptionID: pcTBase, Quantity: 30, TermDuration: "P1Y", BillingCycle: "annual",
				PurchaseFullTerm: tt.fullTerm, ExternalReferenceID: "key-1",
				AddOnMigrations: []AddOnMigration{{CurrentSubscriptionID: pcTAddOn, TermDuration: "P1Y", BillingCycle: "monthly", PurchaseFullTerm: tt.fullTerm}}}
			var m Migration
			if resp := ts.call(t, http.MethodPost, pcCreatePath(pcTCustomer), req, &m); resp.StatusCode != http.StatusOK {
				t.Fatalf("create: %d", resp.StatusCode)
			}
			if m.ID == "" || m.Status != MigrationProcessing || m.ExternalReferenceID != "key-1" || m.StartedTime == nil ||
				m.CatalogItemID != pcNceE3 || m.Quantity != 30 || m.CustomerTenantID != pcTCustomer || len(m.AddOnMigrations) != 1 ||
				m.AddOnMigrations[0].CatalogItemID != pcNceAddOn || m.AddOnMigrations[0].Quantity != 5 {
				t.Fatalf("created migration = %+v", m)
			}
			path := pcCreatePath(pcTCustomer) + "/" + m.ID
			ts.clock.Advance(time.Second)
			var got Migration
			ts.call(t, http.MethodGet, path, nil, &got)
			if got.Status != MigrationProcessing {
				t.Fatalf("after 1s status = %s", got.Status)
			}
			if w := ts.sim.World(); pcFindSub(w, pcTBase).Status != "active" {
				t.Fatal("legacy suspended before the migration finished")
			}
			ts.clock.Advance(time.Second)
			ts.call(t, http.MethodGet, path, nil, &got)
			if got.Status != MigrationCompleted || got.NewCommerceSubscriptionID == "" || got.NewCommerceOrderID == "" || got.CompletedTime == nil {
				t.Fatalf("after 2s migration = %+v", got)
			}
			w := ts.sim.World()
			for _, id := range []string{pcTBase, pcTAddOn} {
				if s := pcFindSub(w, id); s.Status != "suspended" {
					t.Errorf("legacy %s status = %s, want suspended", id, s.Status)
				}
			}
			nb := pcFindSub(w, got.NewCommerceSubscriptionID)
			if nb == nil {
				t.Fatal("new subscription not in the world")
			}
			if nb.OfferID != pcNceE3 || nb.Quantity != 30 || nb.TermDuration != "P1Y" || nb.BillingCycle != "annual" || nb.Status != "active" ||
				nb.MigratedFromSubscriptionID != pcTBase || nb.OrderID != got.NewCommerceOrderID || !nb.CommitmentEndDate.Equal(tt.wantEnd) {
				t.Errorf("new base = %+v (end %v), want end %v", nb, nb.CommitmentEndDate, tt.wantEnd)
			}
			na := pcMigratedFrom(w, pcTAddOn)
			if na == nil || na.ParentSubscriptionID != nb.ID || na.OfferID != pcNceAddOn || na.ID != got.AddOnMigrations[0].NewCommerceSubscriptionID {
				t.Errorf("new add-on = %+v, migration add-ons %+v", na, got.AddOnMigrations)
			}
			// A completed migration's subscription is no longer eligible.
			var res ValidationResult
			ts.call(t, http.MethodPost, pcValidatePath(pcTCustomer), MigrationRequest{CurrentSubscriptionID: pcTBase}, &res)
			if res.IsEligible {
				t.Error("suspended legacy still eligible")
			}
		})
	}
}

func TestSimDurationAndTimeFactor(t *testing.T) {
	ts := pcNewTestSim(t, pcTestWorld(), simkit.Behaviour{TimeFactor: 60,
		Durations: map[string]simkit.Duration{DurationMigration: simkit.Duration(time.Hour)}})
	var m Migration
	ts.call(t, http.MethodPost, pcCreatePath(pcTCustomer), MigrationRequest{CurrentSubscriptionID: pcTBase}, &m)
	ts.clock.Advance(59 * time.Second)
	ts.call(t, http.MethodGet, pcCreatePath(pcTCustomer)+"/"+m.ID, nil, &m)
	if m.Status != MigrationProcessing {
		t.Fatalf("after 59 wall seconds status = %s", m.Status)
	}
	ts.clock.Advance(time.Second)
	ts.call(t, http.MethodGet, pcCreatePath(pcTCustomer)+"/"+m.ID, nil, &m)
	if m.Status != MigrationCompleted {
		t.Fatalf("after 60 wall seconds status = %s", m.Status)
	}
}

func TestSimExistingMigrationCompletes(t *testing.T) {
	ts := pcNewTestSim(t, pcTestWorld(), simkit.Behaviour{})
	ts.clock.Advance(time.Second)
	if w := ts.sim.World(); w.Migrations[0].Status != MigrationCompleted || pcFindSub(w, pcTBusy).Status != "suspended" {
		t.Fatalf("existing migration = %+v", w.Migrations[0])
	}
}

func TestSimFailOutcomes(t *testing.T) {
	tests := []struct {
		outcome    string
		wantLegacy string
	}{
		{outcome: simkit.OutcomeFail, wantLegacy: "active"},
		{outcome: simkit.OutcomeFailSuspended, wantLegacy: "suspended"},
	}
	for _, tt := range tests {
		t.Run(tt.outcome, func(t *testing.T) {
			ts := pcNewTestSim(t, pcTestWorld(), simkit.Behaviour{Faults: []simkit.Fault{
				{Operation: OpCreateMigration, Outcome: tt.outcome, Match: pcTBase, Count: 1},
			}})
			var m Migration
			ts.call(t, http.MethodPost, pcCreatePath(pcTCustomer), MigrationRequest{CurrentSubscriptionID: pcTBase2}, &m)
			ts.call(t, http.MethodPost, pcCreatePath(pcTCustomer), MigrationRequest{CurrentSubscriptionID: pcTBase, ExternalReferenceID: "k"}, &m)
			ts.clock.Advance(2 * time.Second)
			w := ts.sim.World()
			var got Migration
			for _, mm := range w.Migrations {
				if mm.ID == m.ID {
					got = mm
				}
				if mm.CurrentSubscriptionID == pcTBase2 && mm.Status != MigrationCompleted {
					t.Errorf("unmatched migration = %s", mm.Status)
				}
			}
			if got.Status != MigrationFailed || got.ErrorDescription == "" || got.NewCommerceSubscriptionID != "" {
				t.Fatalf("migration = %+v", got)
			}
			if s := pcFindSub(w, pcTBase).Status; s != tt.wantLegacy {
				t.Errorf("legacy status = %s, want %s", s, tt.wantLegacy)
			}
			// The real API does not dedupe: the same externalReferenceId starts another migration
			// whenever the subscription is still eligible.
			resp := ts.call(t, http.MethodPost, pcCreatePath(pcTCustomer), MigrationRequest{CurrentSubscriptionID: pcTBase, ExternalReferenceID: "k"}, nil)
			var list []Migration
			ts.call(t, http.MethodGet, "/v1/migrations/newcommerce?ExternalReferenceId=k", nil, &list)
			wantN := 2
			if tt.outcome == simkit.OutcomeFailSuspended {
				wantN = 1
				if resp.StatusCode != http.StatusBadRequest {
					t.Errorf("retry after fail_suspended: %d, want 400", resp.StatusCode)
				}
			}
			if len(list) != wantN {
				t.Errorf("migrations with the key = %d, want %d", len(list), wantN)
			}
		})
	}
}

func TestSimFaults(t *testing.T) {
	getPath := "/v1/customers/" + pcTCustomer + "/subscriptions/" + pcTBase
	t.Run("status for the next N", func(t *testing.T) {
		ts := pcNewTestSim(t, pcTestWorld(), simkit.Behaviour{Faults: []simkit.Fault{{Operation: OpGetSubscription, Status: 503, Count: 2}}})
		var got []int
		for i := 0; i < 3; i++ {
			got = append(got, ts.call(t, http.MethodGet, getPath, nil, nil).StatusCode)
		}
		if diff := cmp.Diff([]int{503, 503, 200}, got); diff != "" {
			t.Errorf("statuses (-want +got):\n%s", diff)
		}
	})
	t.Run("429 carries Retry-After", func(t *testing.T) {
		ts := pcNewTestSim(t, pcTestWorld(), simkit.Behaviour{Faults: []simkit.Fault{{Operation: OpGetSubscription, Status: 429, RetryAfter: simkit.Duration(7 * time.Second)}}})
		resp := ts.call(t, http.MethodGet, getPath, nil, nil)
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" {
			t.Errorf("got %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	})
	t.Run("faults can be replaced at run time", func(t *testing.T) {
		ts := pcNewTestSim(t, pcTestWorld(), simkit.Behaviour{})
		ts.env.Faults.Set([]simkit.Fault{{Operation: OpGetSubscription, Status: 500, Every: 2}})
		var got []int
		for i := 0; i < 4; i++ {
			got = append(got, ts.call(t, http.MethodGet, getPath, nil, nil).StatusCode)
		}
		if diff := cmp.Diff([]int{200, 500, 200, 500}, got); diff != "" {
			t.Errorf("statuses (-want +got):\n%s", diff)
		}
	})
	t.Run("lost response performs the operation", func(t *testing.T) {
		ts := pcNewTestSim(t, pcTestWorld(), simkit.Behaviour{Faults: []simkit.Fault{{Operation: OpCreateMigration, Status: 500, LostResponse: true, Count: 1}}})
		resp := ts.call(t, http.MethodPost, pcCreatePath(pcTCustomer), MigrationRequest{CurrentSubscriptionID: pcTBase, ExternalReferenceID: "lost"}, nil)
		if resp.StatusCode != 500 {
			t.Fatalf("status = %d, want 500", resp.StatusCode)
		}
		w := ts.sim.World()
		if len(w.Migrations) != 2 || w.Migrations[1].ExternalReferenceID != "lost" {
			t.Fatalf("migrations = %+v", w.Migrations)
		}
	})
	t.Run("plain 500 does not perform the operation", func(t *testing.T) {
		ts := pcNewTestSim(t, pcTestWorld(), simkit.Behaviour{Faults: []simkit.Fault{{Operation: OpCreateMigration, Status: 500, Count: 1}}})
		ts.call(t, http.MethodPost, pcCreatePath(pcTCustomer), MigrationRequest{CurrentSubscriptionID: pcTBase}, nil)
		if n := len(ts.sim.World().Migrations); n != 1 {
			t.Fatalf("migrations = %d, want 1", n)
		}
	})
	t.Run("match limits the fault", func(t *testing.T) {
		ts := pcNewTestSim(t, pcTestWorld(), simkit.Behaviour{Faults: []simkit.Fault{{Operation: OpGetSubscription, Status: 500, Match: pcTBase2}}})
		if s := ts.call(t, http.MethodGet, getPath, nil, nil).StatusCode; s != 200 {
			t.Errorf("unmatched = %d", s)
		}
		if s := ts.call(t, http.MethodGet, "/v1/customers/"+pcTCustomer+"/subscriptions/"+pcTBase2, nil, nil).StatusCode; s != 500 {
			t.Errorf("matched = %d", s)
		}
	})
}

func TestSimRateLimits(t *testing.T) {
	tests := []struct {
		name       string
		b          simkit.Behaviour
		op         func(t *testing.T, ts *pcTestSim, customer string) *http.Response
		opName     string
		limit      int
		retryAfter string
	}{
		{name: "validate per customer", b: simkit.Behaviour{RateLimits: "documented"}, limit: 450, retryAfter: "300", opName: OpValidateMigration,
			op: func(t *testing.T, ts *pcTestSim, c string) *http.Response {
				return ts.call(t, http.MethodPost, pcValidatePath(c), MigrationRequest{CurrentSubscriptionID: "x"}, nil)
			}},
		{name: "subscriptions scaled", b: simkit.Behaviour{RateLimits: "scaled", TimeFactor: 60}, limit: 500, retryAfter: "1", opName: OpGetSubscription,
			op: func(t *testing.T, ts *pcTestSim, c string) *http.Response {
				return ts.call(t, http.MethodGet, "/v1/customers/"+c+"/subscriptions/x", nil, nil)
			}},
		{name: "create per partner", b: simkit.Behaviour{RateLimits: "documented"}, limit: 100, retryAfter: "300", opName: OpCreateMigration,
			op: func(t *testing.T, ts *pcTestSim, c string) *http.Response {
				return ts.call(t, http.MethodPost, pcCreatePath(c), MigrationRequest{CurrentSubscriptionID: "x"}, nil)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := pcNewTestSim(t, pcTestWorld(), tt.b)
			for i := 0; i < tt.limit; i++ {
				if s := tt.op(t, ts, pcTCustomer).StatusCode; s == http.StatusTooManyRequests {
					t.Fatalf("request %d throttled", i+1)
				}
			}
			resp := tt.op(t, ts, pcTCustomer)
			if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != tt.retryAfter {
				t.Fatalf("over the limit: %d Retry-After %q, want 429 %s", resp.StatusCode, resp.Header.Get("Retry-After"), tt.retryAfter)
			}
			if got := ts.sim.Env().Stats.Snapshot(); got[tt.opName+".throttled"] != 1 {
				t.Errorf("throttled count = %v", got)
			}
			perCustomer := tt.name == "validate per customer"
			if s := tt.op(t, ts, pcTCustomer2).StatusCode; (s == http.StatusTooManyRequests) == perCustomer {
				t.Errorf("another customer: %d", s)
			}
		})
	}
	t.Run("off", func(t *testing.T) {
		ts := pcNewTestSim(t, pcTestWorld(), simkit.Behaviour{RateLimits: "off"})
		for i := 0; i < 120; i++ {
			if s := ts.call(t, http.MethodPost, pcCreatePath(pcTCustomer), MigrationRequest{CurrentSubscriptionID: "x"}, nil).StatusCode; s == 429 {
				t.Fatal("throttled with limits off")
			}
		}
	})
}

func TestSimPagingAndErrors(t *testing.T) {
	ts := pcNewTestSim(t, pcTestWorld(), simkit.Behaviour{PageSize: 4})
	var page SubscriptionList
	ts.call(t, http.MethodGet, "/v1/customers/"+pcTCustomer+"/subscriptions", nil, &page)
	if len(page.Items) != 4 || page.TotalCount != 4 || page.Links == nil || page.Links.Next == nil {
		t.Fatalf("first page = %d items, links %+v", len(page.Items), page.Links)
	}
	next := page.Links.Next
	if !strings.HasPrefix(next.URI, "/v1/customers/") || len(next.Headers) != 1 || next.Headers[0].Key != "MS-ContinuationToken" {
		t.Fatalf("next link = %+v", next)
	}
	var body ErrorBody
	req, _ := http.NewRequest(http.MethodGet, ts.srv.URL+next.URI, nil)
	req.Header.Set("MS-ContinuationToken", "garbage")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad token: %d", resp.StatusCode)
	}
	for _, tc := range []struct{ path, name string }{
		{"/v1/customers/99999999-9999-9999-9999-999999999999/subscriptions", "CustomerNotFound"},
		{"/v1/customers/" + pcTCustomer + "/subscriptions/nope", "SubscriptionNotFound"},
		{"/v1/customers/" + pcTCustomer + "/migrations/newcommerce/nope", "MigrationNotFound"},
		{"/v1/customers/" + pcTCustomer2 + "/migrations/newcommerce/" + pcTBusyMigr, "MigrationNotFound"},
		{"/v1/nothing/here", "NotFound"},
	} {
		body = ErrorBody{}
		if resp := ts.call(t, http.MethodGet, tc.path, nil, &body); resp.StatusCode != 404 || body.Code != errCodeNotFound || body.Source != "PartnerFD" {
			t.Errorf("%s: %d %+v, want 404 %s", tc.path, resp.StatusCode, body, tc.name)
		}
	}
}

func TestSimWorldIsACopy(t *testing.T) {
	ts := pcNewTestSim(t, pcTestWorld(), simkit.Behaviour{})
	w := ts.sim.World()
	w.Customers[0].Subscriptions[0].Status = "deleted"
	w.Catalog["x"] = "y"
	w2 := ts.sim.World()
	if w2.Customers[0].Subscriptions[0].Status != "active" || w2.Catalog["x"] != "" {
		t.Fatal("World() shares memory with the simulator")
	}
}

func TestSimConcurrentCreates(t *testing.T) {
	w := SimWorld{Catalog: map[string]string{pcOfferE3: pcNceE3}, Customers: []SimCustomer{{ID: pcTCustomer}}}
	for i := 0; i < 40; i++ {
		w.Customers[0].Subscriptions = append(w.Customers[0].Subscriptions, pcLegacySub(fmt.Sprintf("dddddddd-0000-0000-0000-%012d", i), pcOfferE3, nil))
	}
	ts := pcNewTestSim(t, w, simkit.Behaviour{})
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 2; j++ { // the second one must be refused with 409
				ts.send(http.MethodPost, pcCreatePath(pcTCustomer), MigrationRequest{CurrentSubscriptionID: fmt.Sprintf("dddddddd-0000-0000-0000-%012d", i)})
			}
			ts.send(http.MethodGet, "/v1/customers/"+pcTCustomer+"/subscriptions", nil)
		}()
	}
	wg.Wait()
	if n := len(ts.sim.World().Migrations); n != 40 {
		t.Fatalf("migrations = %d, want 40", n)
	}
	if got := ts.env.Stats.Get(OpCreateMigration); got != 80 {
		t.Fatalf("create stats = %d, want 80", got)
	}
}

// TestSimFirstMonthAndSeatLimit: with first_month_rule the simulator refuses a subscription created
// less than a month ago (code 7), as Microsoft does in production; seat_limits refuses a migration
// that would take the customer past the product's seat limit (a bad request).
func TestSimFirstMonthAndSeatLimit(t *testing.T) {
	w := pcTestWorld()
	w.FirstMonthRule = true
	w.SeatLimits = map[string]int{pcNceE3: 30}
	ts := pcNewTestSim(t, w, simkit.Behaviour{})
	now := ts.env.Now()
	ts.sim.mu.Lock()
	recent := now.Add(-24 * time.Hour)
	ts.sim.ownerOf(pcTBase).sub(pcTBase).CreationDate = &recent
	ts.sim.mu.Unlock()
	var res ValidationResult
	if resp := ts.call(t, http.MethodPost, pcValidatePath(pcTCustomer), MigrationRequest{CurrentSubscriptionID: pcTBase}, &res); resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if res.IsEligible || len(res.Errors) != 1 || res.Errors[0].Code != EligibilitySubscriptionActiveForLessThanOneMonth {
		t.Fatalf("a subscription created yesterday: %+v", res)
	}

	old := now.AddDate(0, -2, 0)
	ts.sim.mu.Lock()
	ts.sim.ownerOf(pcTBase).sub(pcTBase).CreationDate = &old
	ts.sim.mu.Unlock()
	if resp := ts.call(t, http.MethodPost, pcValidatePath(pcTCustomer), MigrationRequest{CurrentSubscriptionID: pcTBase, Quantity: 31}, &res); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("31 seats of a product limited to 30: status %d, want 400", resp.StatusCode)
	}
	if resp := ts.call(t, http.MethodPost, pcValidatePath(pcTCustomer), MigrationRequest{CurrentSubscriptionID: pcTBase, Quantity: 30}, &res); resp.StatusCode != http.StatusOK || !res.IsEligible {
		t.Fatalf("30 seats: status %d, %+v", resp.StatusCode, res)
	}
}

// TestSimNoProductDescriptionWithoutOfferName: a legacy subscription without offerName (optional in
// a world) is refused with a description that does not end in an empty "()".
func TestSimNoProductDescriptionWithoutOfferName(t *testing.T) {
	w := pcTestWorld()
	for i := range w.Customers {
		for j := range w.Customers[i].Subscriptions {
			if w.Customers[i].Subscriptions[j].ID == pcTNoEquiv {
				w.Customers[i].Subscriptions[j].OfferName = ""
			}
		}
	}
	ts := pcNewTestSim(t, w, simkit.Behaviour{})
	var res ValidationResult
	ts.call(t, http.MethodPost, pcValidatePath(pcTCustomer), MigrationRequest{CurrentSubscriptionID: pcTNoEquiv}, &res)
	if len(res.Errors) != 1 || strings.Contains(res.Errors[0].Description, "()") || !strings.HasSuffix(res.Errors[0].Description, pcOfferNoNCE+".") {
		t.Errorf("errors = %+v", res.Errors)
	}
}
