package partnercenter

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/state"
)

const (
	tCustomer = "0f3c9a1e-0000-4000-8000-0000000000c1"
	tLegacy   = "5c1f0000-1111-4111-8111-0000000000e2"
	tAddon1   = "a1a10000-2222-4222-8222-0000000000a1"
	tAddon2   = "a2a20000-2222-4222-8222-0000000000a2"
	tNCE      = "9e9e0000-3333-4333-8333-000000000001"
	tCatalog  = "CFQ7TTC0LF8Q:0001:CFQ7TTC0KQDF"
	tFile     = "main.ferry.hcl"
)

func tRange(line int) hcl.Range {
	return hcl.Range{Filename: tFile, Start: hcl.Pos{Line: line, Column: 3, Byte: 0}, End: hcl.Pos{Line: line, Column: 20, Byte: 17}}
}

func tTime(s string) *time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func tInstance(mod ...func(*model.Instance)) model.Instance {
	inst := model.Instance{
		Addr:      `subscription.m365["5c1f"]`,
		Kind:      model.KindSubscription,
		Provider:  ProviderName,
		DeclRange: tRange(10),
		Subscription: &model.Subscription{
			Via:             ProviderName,
			CustomerID:      tCustomer,
			MicrosoftDomain: "contoso.onmicrosoft.com",
			MigrateFrom:     tLegacy,
			TermDuration:    "P1Y",
			BillingCycle:    "monthly",
			Ranges: map[string]hcl.Range{
				"quantity":      tRange(14),
				"term_duration": tRange(12),
				"billing_cycle": tRange(13),
			},
		},
	}
	for _, m := range mod {
		m(&inst)
	}
	return inst
}

func withAddons(inst *model.Instance) {
	inst.Subscription.Addons = []model.Addon{
		{MigrateFrom: tAddon1, TermDuration: "P1M", BillingCycle: "monthly"},
		{MigrateFrom: tAddon2, TermDuration: "P1Y", BillingCycle: "monthly"},
	}
}

func tLegacySub(status string) *Subscription {
	return &Subscription{
		ID: tLegacy, OfferID: "796B6B5F-613C-4E24-A17C-EBA730D49C02", OfferName: "Office 365 E3",
		Quantity: 25, Status: status, BillingCycle: "monthly", TermDuration: "P1Y",
		CommitmentEndDate: tTime("2027-03-31"),
	}
}

func tLive(mod ...func(*Live)) *Live {
	l := &Live{
		CustomerID: tCustomer,
		Legacy:     tLegacySub("active"),
		// Suspended by default, so that a base planned without them is not refused for stranding
		// them; withActiveAddons makes them active.
		Addons: []Subscription{
			{ID: tAddon1, OfferName: "Audio Conferencing", Quantity: 5, Status: "suspended", ParentSubscriptionID: tLegacy},
			{ID: tAddon2, OfferName: "Phone System", Quantity: 3, Status: "suspended", ParentSubscriptionID: tLegacy},
		},
		HistoryRead: true,
		Validation:  &ValidationResult{CurrentSubscriptionID: tLegacy, IsEligible: true, CatalogItemID: tCatalog},
	}
	for _, m := range mod {
		m(l)
	}
	return l
}

func tMigration(id, status, key string, started string) Migration {
	ts, _ := time.Parse(time.RFC3339, started)
	return Migration{ID: id, Status: status, CurrentSubscriptionID: tLegacy, ExternalReferenceID: key, StartedTime: &ts,
		CatalogItemID: tCatalog, ErrorDescription: "The migration could not be completed."}
}

func tPrior(status string, steps map[string]*state.StepRecord) *state.Resource {
	return &state.Resource{
		Addr: `subscription.m365["5c1f"]`, Kind: model.KindSubscription, Provider: ProviderName, Status: status,
		RemoteIDs: map[string]string{"customer_id": tCustomer, "legacy_subscription_id": tLegacy, "new_subscription_id": tNCE},
		Steps:     steps,
	}
}

// tPartial is a migrated entry as a kill -9 between the wait's outcome and the separate final entry
// left it: the wait's IDs and status, without customer_id and legacy_subscription_id.
func tPartial() *state.Resource {
	r := tPrior(StatusMigrated, map[string]*state.StepRecord{
		StepMigrate:        {Key: "k1", Attempt: 1, Status: state.StepDone},
		StepAwaitMigration: {Attempt: 1, Status: state.StepDone},
	})
	r.RemoteIDs = map[string]string{"migration_id": "m-1", "new_subscription_id": tNCE}
	return r
}

func stepNames(ch model.Change) []string {
	var n []string
	for _, s := range ch.Steps {
		n = append(n, s.Name)
	}
	return n
}

func mustParams(t *testing.T, s model.Step) StepParams {
	t.Helper()
	var p StepParams
	if err := json.Unmarshal(s.Params, &p); err != nil {
		t.Fatalf("params of %s: %v", s.Name, err)
	}
	return p
}

func TestPlan(t *testing.T) {
	qty30 := 30
	tests := []struct {
		name        string
		inst        model.Instance
		prior       *state.Resource
		live        providers.Live
		action      model.Action
		steps       []string
		attempt     int    // of the first step, when steps are expected
		migrationID string // expected in the await step's params
		reasons     []string
		summary     []string
		diags       int
		check       func(t *testing.T, ch model.Change)
	}{
		{
			name: "eligible with add-ons migrates", inst: tInstance(withAddons), live: tLive(),
			action: model.ActionCreate, steps: []string{StepMigrate, StepAwaitMigration}, attempt: 1,
			summary: []string{`migrate 5c1f…e2 "Office 365 E3" (25 seats) → ` + tCatalog + " P1Y monthly, co-term to 2027-03-31, 2 add-ons"},
			check: func(t *testing.T, ch model.Change) {
				m, a := ch.Steps[0], ch.Steps[1]
				if !m.Mutating || a.Mutating {
					t.Errorf("mutating: migrate %v await %v", m.Mutating, a.Mutating)
				}
				if a.Timeout != DefaultMigrationTimeout {
					t.Errorf("await timeout %v", a.Timeout)
				}
				p := mustParams(t, m)
				if p.CustomerID != tCustomer || p.Request == nil || p.Request.Quantity != 25 || p.Request.TermDuration != "P1Y" ||
					p.Request.BillingCycle != "monthly" || p.Request.PurchaseFullTerm {
					t.Errorf("request %+v", p.Request)
				}
				if len(p.Request.AddOnMigrations) != 2 || p.Request.AddOnMigrations[0].Quantity != 5 || p.Request.AddOnMigrations[1].Quantity != 3 ||
					p.Request.AddOnMigrations[0].TermDuration != "P1M" {
					t.Errorf("add-ons %+v", p.Request.AddOnMigrations)
				}
				if ch.State == nil || ch.State.Status != StatusMigrated || ch.State.RemoteIDs["legacy_subscription_id"] != tLegacy ||
					ch.State.RemoteIDs["customer_id"] != tCustomer {
					t.Errorf("state %+v", ch.State)
				}
				if len(ch.Details) < 7 {
					t.Errorf("details %+v", ch.Details)
				}
			},
		},
		{
			name: "quantity and timeout from the spec",
			inst: tInstance(func(i *model.Instance) {
				i.Subscription.Quantity = &qty30
				i.Subscription.PurchaseFullTerm = true
				i.Subscription.Timeouts.Migration = time.Hour
			}),
			live: tLive(), action: model.ActionCreate, steps: []string{StepMigrate, StepAwaitMigration}, attempt: 1,
			summary: []string{"(25 → 30 seats)", "full new term"},
			check: func(t *testing.T, ch model.Change) {
				if p := mustParams(t, ch.Steps[0]); p.Request.Quantity != 30 || !p.Request.PurchaseFullTerm {
					t.Errorf("request %+v", p.Request)
				}
				if ch.Steps[1].Timeout != time.Hour {
					t.Errorf("timeout %v", ch.Steps[1].Timeout)
				}
			},
		},
		{
			name: "not eligible is blocked with the API's reasons", inst: tInstance(),
			live: tLive(func(l *Live) {
				l.Validation = &ValidationResult{IsEligible: false, Errors: []ValidationError{
					{Code: 3, Description: "The subscription has an active promotion."},
					{Code: 5, Description: "The offer has no New Commerce equivalent."},
					{Code: 42, Description: "A reason Microsoft added later."},
				}, AddOnMigrations: []ValidationResult{{CurrentSubscriptionID: tAddon1, Errors: []ValidationError{{Code: 6, Description: "Not with P3Y."}}}}}
			}),
			action: model.ActionBlocked,
			reasons: []string{"SubscriptionPromotionsPresent (3): The subscription has an active promotion.",
				"NewCommerceProductUnavailable (5): The offer has no New Commerce equivalent.",
				"Code42 (42): A reason Microsoft added later.",
				"add-on " + tAddon1 + ": TermDurationBillingCycleCombinationNotSupported (6): Not with P3Y."},
		},
		{
			// A migrate_from that names nothing is a mistake in the spec: an error, not a blocked change.
			name: "legacy not found: error", inst: tInstance(), live: tLive(func(l *Live) { l.Legacy = nil }), diags: 1,
		},
		{
			name: "legacy suspended with no migration", inst: tInstance(),
			live:    tLive(func(l *Live) { l.Legacy = tLegacySub("suspended"); l.Validation = nil }),
			action:  model.ActionBlocked,
			reasons: []string{"legacy subscription " + tLegacy + " is suspended; only an active subscription can be migrated"},
		},
		{
			name: "successor exists, state does not know: record it", inst: tInstance(),
			live: tLive(func(l *Live) {
				l.Legacy = tLegacySub("suspended")
				l.Successor = &Subscription{ID: tNCE, OfferID: tCatalog, Quantity: 25, Status: "active", MigratedFromSubscriptionID: tLegacy}
				l.Validation = nil
			}),
			action: model.ActionResume, steps: []string{StepAwaitMigration}, attempt: 1,
			check: func(t *testing.T, ch model.Change) {
				if ch.Steps[0].Mutating {
					t.Error("await must not be mutating")
				}
				if ch.State == nil || ch.State.Status != StatusMigrated {
					t.Errorf("state %+v", ch.State)
				}
			},
		},
		{
			name: "completed migration, state says migrated: noop", inst: tInstance(),
			prior: tPrior(StatusMigrated, map[string]*state.StepRecord{StepMigrate: {Key: "k1", Attempt: 1, Status: state.StepDone}}),
			live: tLive(func(l *Live) {
				l.Legacy = tLegacySub("suspended")
				l.Successor = &Subscription{ID: tNCE, MigratedFromSubscriptionID: tLegacy}
			}),
			action: model.ActionNoop,
		},
		{
			name: "completed migration without successor in the list: record it", inst: tInstance(),
			live: tLive(func(l *Live) {
				l.Legacy = tLegacySub("suspended")
				l.Migrations = []Migration{tMigration("m-done", MigrationCompleted, "k1", "2026-01-02T00:00:00Z")}
			}),
			action: model.ActionResume, steps: []string{StepAwaitMigration}, attempt: 1, migrationID: "m-done",
		},
		{
			name: "migration processing: wait, never a second one", inst: tInstance(),
			live: tLive(func(l *Live) {
				l.Migrations = []Migration{
					tMigration("m-new", MigrationProcessing, "", "2026-01-02T00:00:00Z"),
					tMigration("m-old", MigrationFailed, "", "2026-01-01T00:00:00Z"),
				}
				l.Validation = nil
			}),
			action: model.ActionResume, steps: []string{StepAwaitMigration}, attempt: 1, migrationID: "m-new",
		},
		{
			name: "intent without outcome: resume under the same attempt", inst: tInstance(),
			prior:  tPrior(state.StatusInProgress, map[string]*state.StepRecord{StepMigrate: {Key: "key-2", Attempt: 2, Status: state.StepIntent}}),
			live:   tLive(),
			action: model.ActionResume, steps: []string{StepMigrate, StepAwaitMigration}, attempt: 2,
			check: func(t *testing.T, ch model.Change) {
				if p := mustParams(t, ch.Steps[0]); p.Request == nil || p.Request.CurrentSubscriptionID != tLegacy {
					t.Errorf("params %+v", p)
				}
			},
		},
		{
			name: "intent whose migration is processing: reconcile, then wait", inst: tInstance(),
			prior: tPrior(state.StatusInProgress, map[string]*state.StepRecord{StepMigrate: {Key: "key-1", Attempt: 1, Status: state.StepIntent}}),
			live: tLive(func(l *Live) {
				l.Migrations = []Migration{tMigration("m-1", MigrationProcessing, "key-1", "2026-01-02T00:00:00Z")}
			}),
			action: model.ActionResume, steps: []string{StepMigrate, StepAwaitMigration}, attempt: 1, migrationID: "m-1",
		},
		{
			name: "intent whose migration completed: reconcile, then record", inst: tInstance(),
			prior: tPrior(state.StatusInProgress, map[string]*state.StepRecord{StepMigrate: {Key: "key-3", Attempt: 3, Status: state.StepIntent}}),
			live: tLive(func(l *Live) {
				l.Legacy = tLegacySub("suspended")
				l.Successor = &Subscription{ID: tNCE, MigratedFromSubscriptionID: tLegacy}
				l.Migrations = []Migration{tMigration("m-3", MigrationCompleted, "key-3", "2026-01-02T00:00:00Z")}
			}),
			action: model.ActionResume, steps: []string{StepMigrate, StepAwaitMigration}, attempt: 3, migrationID: "m-3",
		},
		{
			name: "failed migration, legacy active: new attempt", inst: tInstance(),
			prior: tPrior(state.StatusFailed, map[string]*state.StepRecord{
				StepMigrate:        {Key: "key-1", Attempt: 1, Status: state.StepDone},
				StepAwaitMigration: {Key: "", Attempt: 1, Status: state.StepFailed},
			}),
			live: tLive(func(l *Live) {
				l.Migrations = []Migration{tMigration("m-1", MigrationFailed, "key-1", "2026-01-02T00:00:00Z")}
			}),
			action: model.ActionCreate, steps: []string{StepMigrate, StepAwaitMigration}, attempt: 2,
			reasons: []string{"previous migration m-1 failed: The migration could not be completed; the legacy subscription is still active, so ferry starts a new migration (attempt 2)"},
		},
		{
			name: "failed migration, legacy suspended: blocked", inst: tInstance(),
			prior: tPrior(state.StatusFailed, map[string]*state.StepRecord{StepMigrate: {Key: "key-1", Attempt: 1, Status: state.StepDone}}),
			live: tLive(func(l *Live) {
				l.Legacy = tLegacySub("suspended")
				l.Validation = nil
				l.Migrations = []Migration{tMigration("m-1", MigrationFailed, "key-1", "2026-01-02T00:00:00Z")}
			}),
			action: model.ActionBlocked,
			reasons: []string{"previous migration m-1 failed: The migration could not be completed.",
				"legacy subscription is suspended; " + blockedFailedSuspended},
		},
		{
			name: "add-on of another base: blocked",
			inst: tInstance(func(i *model.Instance) {
				i.Subscription.Addons = []model.Addon{{MigrateFrom: "ffff0000-0000-4000-8000-00000000ffff", TermDuration: "P1M", BillingCycle: "monthly"}}
			}),
			live:    tLive(),
			action:  model.ActionBlocked,
			reasons: []string{"add-on ffff0000-0000-4000-8000-00000000ffff is not an add-on of legacy subscription " + tLegacy + " under customer " + tCustomer},
		},
		{
			name: "imported earlier: noop", inst: tInstance(func(i *model.Instance) { i.ImportID = tCustomer + "/" + tNCE }),
			prior: tPrior(state.StatusImported, nil), live: tLive(), action: model.ActionNoop,
		},
		{
			// An entry left partial by a kill -9 between the wait's outcome and the final entry (older
			// ferry): not trusted as migrated; Partner Center shows the migration, so it is recorded again.
			name: "partial migrated entry, migration done: repaired by recording it", inst: tInstance(),
			prior: tPartial(),
			live: tLive(func(l *Live) {
				l.Legacy = tLegacySub("suspended")
				l.Successor = &Subscription{ID: tNCE, MigratedFromSubscriptionID: tLegacy}
			}),
			action: model.ActionResume, steps: []string{StepAwaitMigration}, attempt: 1,
			check: func(t *testing.T, ch model.Change) {
				if ch.State == nil || ch.State.RemoteIDs["customer_id"] != tCustomer || ch.State.RemoteIDs["legacy_subscription_id"] != tLegacy {
					t.Errorf("state %+v", ch.State)
				}
				if len(ch.Reasons) != 1 || !strings.Contains(ch.Reasons[0], "not its customer_id and legacy_subscription_id") {
					t.Errorf("reasons %q", ch.Reasons)
				}
			},
		},
		{
			// The same partial entry while Partner Center shows no migration of the spec's legacy
			// subscription: before, the plan said "migrated"; now it says the entry is incomplete.
			name: "partial migrated entry, nothing migrated: blocked, not claimed migrated", inst: tInstance(),
			prior: tPartial(), live: tLive(), action: model.ActionBlocked,
			summary: []string{"incomplete"},
			check: func(t *testing.T, ch model.Change) {
				if !strings.Contains(strings.Join(ch.Reasons, "\n"), "ferry state rm") {
					t.Errorf("reasons %q", ch.Reasons)
				}
				if !priorUnsettled(tPartial()) {
					t.Error("a partial entry must make Read fetch the migration history")
				}
			},
		},
		{
			name: "no live data: error", inst: tInstance(), live: nil, diags: 1,
		},
		{
			name: "not a subscription: error", inst: tInstance(func(i *model.Instance) { i.Kind = model.KindCutover }), live: tLive(), diags: 1,
		},
	}
	p := NewProvider(nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ch, diags := p.Plan(tc.inst, tc.prior, tc.live)
			if len(diags) != tc.diags {
				t.Fatalf("diagnostics: got %d, want %d: %v", len(diags), tc.diags, diags)
			}
			if tc.diags > 0 {
				return
			}
			if ch.Action != tc.action {
				t.Fatalf("action %q, want %q (summary %q, reasons %q)", ch.Action, tc.action, ch.Summary, ch.Reasons)
			}
			if ch.Addr != tc.inst.Addr || ch.Provider != ProviderName || ch.Kind != model.KindSubscription {
				t.Errorf("change header %q %q %q", ch.Addr, ch.Provider, ch.Kind)
			}
			if got := strings.Join(stepNames(ch), ","); got != strings.Join(tc.steps, ",") {
				t.Fatalf("steps %q, want %q", got, tc.steps)
			}
			if len(ch.Steps) > 0 {
				for _, s := range ch.Steps {
					if s.Attempt != tc.attempt {
						t.Errorf("step %s attempt %d, want %d", s.Name, s.Attempt, tc.attempt)
					}
					if s.Addr != tc.inst.Addr || s.Provider != ProviderName {
						t.Errorf("step header %q %q", s.Addr, s.Provider)
					}
				}
				last := ch.Steps[len(ch.Steps)-1]
				if p := mustParams(t, last); p.MigrationID != tc.migrationID || p.LegacySubscriptionID != tLegacy || p.CustomerID != tCustomer {
					t.Errorf("await params %+v, want migration %q", p, tc.migrationID)
				}
			}
			if tc.reasons != nil && strings.Join(ch.Reasons, "\n") != strings.Join(tc.reasons, "\n") {
				t.Errorf("reasons\n got %q\nwant %q", ch.Reasons, tc.reasons)
			}
			for _, s := range tc.summary {
				if !strings.Contains(ch.Summary, s) {
					t.Errorf("summary %q lacks %q", ch.Summary, s)
				}
			}
			if tc.check != nil {
				tc.check(t, ch)
			}
		})
	}
}

func TestPlanImport(t *testing.T) {
	importInst := func(mod ...func(*model.Instance)) model.Instance {
		return tInstance(append([]func(*model.Instance){func(i *model.Instance) {
			i.ImportID = tCustomer + "/" + tNCE
			i.ImportRange = tRange(30)
		}}, mod...)...)
	}
	target := func(mod ...func(*Subscription)) func(*Live) {
		return func(l *Live) {
			s := &Subscription{ID: tNCE, OfferID: "CFQ7TTC0LF8Q:0001", OfferName: "Office 365 E3", Quantity: 25, Status: "active",
				BillingCycle: "monthly", TermDuration: "P1Y", MigratedFromSubscriptionID: tLegacy, CommitmentEndDate: tTime("2027-03-31")}
			for _, m := range mod {
				m(s)
			}
			l.ImportCustomerID, l.ImportSubscriptionID, l.ImportTarget = tCustomer, tNCE, s
		}
	}
	qty40 := 40
	tests := []struct {
		name     string
		inst     model.Instance
		live     *Live
		action   model.Action
		diagLine []int    // subject lines of the diagnostics, in order
		diagText []string // each diagnostic's detail contains
	}{
		{name: "match", inst: importInst(), live: tLive(target()), action: model.ActionImport},
		{
			name: "quantity and billing differ", inst: importInst(func(i *model.Instance) { i.Subscription.Quantity = &qty40 }),
			live:     tLive(target(func(s *Subscription) { s.BillingCycle = "annual" })),
			action:   model.ActionBlocked,
			diagLine: []int{14, 13},
			diagText: []string{"quantity = 40, but Partner Center has quantity 25", `billing_cycle = "monthly", but Partner Center has billingCycle "annual"`},
		},
		{
			// The spec sets no quantity: seats are not compared, whatever the legacy subscription had.
			name: "quantity unset, seats differ from the legacy", inst: importInst(),
			live:   tLive(target(func(s *Subscription) { s.Quantity = 30 })),
			action: model.ActionImport,
		},
		{
			name: "quantity set, equal", inst: importInst(func(i *model.Instance) { q := 25; i.Subscription.Quantity = &q }),
			live:   tLive(target()),
			action: model.ActionImport,
		},
		{
			name: "term differs, offer differs", inst: importInst(),
			live:     tLive(target(func(s *Subscription) { s.TermDuration = "P1M"; s.OfferID = "CFQ7TTC0LH18:0001" })),
			action:   model.ActionBlocked,
			diagLine: []int{10, 12},
			diagText: []string{`offerId "CFQ7TTC0LH18:0001"`, `term_duration = "P1Y", but Partner Center has termDuration "P1M"`},
		},
		{
			name: "target not found", inst: importInst(),
			live:     tLive(func(l *Live) { l.ImportCustomerID, l.ImportSubscriptionID = tCustomer, tNCE }),
			action:   model.ActionBlocked,
			diagLine: []int{30},
			diagText: []string{"has no subscription " + tNCE},
		},
	}
	p := NewProvider(nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ch, diags := p.Plan(tc.inst, nil, tc.live)
			if ch.Action != tc.action {
				t.Fatalf("action %q, want %q (%v)", ch.Action, tc.action, diags)
			}
			if len(diags) != len(tc.diagLine) {
				t.Fatalf("diagnostics %d, want %d: %v", len(diags), len(tc.diagLine), diags)
			}
			for i, d := range diags {
				if d.Severity != hcl.DiagError || d.Subject == nil || d.Subject.Start.Line != tc.diagLine[i] || d.Subject.Filename != tFile {
					t.Errorf("diag %d: %v at %v, want line %d", i, d.Summary, d.Subject, tc.diagLine[i])
				}
				if !strings.Contains(d.Detail, tc.diagText[i]) {
					t.Errorf("diag %d detail %q lacks %q", i, d.Detail, tc.diagText[i])
				}
			}
			if tc.action == model.ActionImport {
				if len(ch.Steps) != 0 || ch.State == nil || ch.State.Status != state.StatusImported ||
					ch.State.RemoteIDs["subscription_id"] != tNCE || ch.State.RemoteIDs["customer_id"] != tCustomer {
					t.Errorf("import change %+v state %+v", ch, ch.State)
				}
			}
		})
	}
}

func TestSortNewestFirst(t *testing.T) {
	ms := []Migration{
		tMigration("a", MigrationFailed, "", "2026-01-01T00:00:00Z"),
		{ID: "none"},
		tMigration("c", MigrationCompleted, "", "2026-01-03T00:00:00Z"),
		tMigration("b1", MigrationFailed, "", "2026-01-02T00:00:00Z"),
		tMigration("b2", MigrationProcessing, "", "2026-01-02T00:00:00Z"),
	}
	sortNewestFirst(ms)
	var got []string
	for _, m := range ms {
		got = append(got, m.ID)
	}
	if strings.Join(got, ",") != "c,b2,b1,a,none" {
		t.Errorf("order %v", got)
	}
}

func TestParseImportID(t *testing.T) {
	for _, tc := range []struct {
		in, c, s string
		ok       bool
	}{
		{tCustomer + "/" + tNCE, tCustomer, tNCE, true},
		{" a/b ", "a", "b", true},
		{"a", "", "", false},
		{"/b", "", "", false},
		{"a/", "", "", false},
		{"a/b/c", "", "", false},
	} {
		c, s, err := ParseImportID(tc.in)
		if (err == nil) != tc.ok || c != tc.c || s != tc.s {
			t.Errorf("ParseImportID(%q) = %q, %q, %v", tc.in, c, s, err)
		}
	}
}

func TestOfferMatches(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{tCatalog, tCatalog, true},
		{"CFQ7TTC0LF8Q:0001", tCatalog, true},
		{tCatalog, "cfq7ttc0lf8q:0001", true},
		{"CFQ7TTC0LF8Q:00", tCatalog, false},
		{"CFQ7TTC0LH18:0001", tCatalog, false},
		{"", tCatalog, false},
	} {
		if got := offerMatches(tc.a, tc.b); got != tc.want {
			t.Errorf("offerMatches(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}

// BenchmarkPlan measures Plan alone (no remote calls) for an eligible subscription with add-ons.
func BenchmarkPlan(b *testing.B) {
	p := NewProvider(nil)
	inst := tInstance(withAddons)
	l := tLive()
	b.ReportAllocs()
	for b.Loop() {
		if ch, _ := p.Plan(inst, nil, l); ch.Action != model.ActionCreate {
			b.Fatal(ch.Action)
		}
	}
}

func TestKeyMatchesOnlyMigrationsOfThisIntent(t *testing.T) {
	intent := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	old := intent.Add(-48 * time.Hour)
	skewed := intent.Add(-2 * time.Minute) // Microsoft's clock a little behind ours
	l := &Live{Migrations: []Migration{
		{ID: "old", ExternalReferenceID: "k", StartedTime: &old, Status: MigrationFailed},
		{ID: "other", ExternalReferenceID: "k2", StartedTime: &skewed},
	}}
	keyed := func(key string, at time.Time) *state.StepRecord {
		return &state.StepRecord{Key: key, Status: state.StepIntent, StartedAt: at}
	}
	if m := l.migrationOfIntent(keyed("k", intent)); m != nil {
		t.Errorf("a migration started two days before the intent was taken for it: %s", m.ID)
	}
	if m := l.migrationOfIntent(keyed("k", time.Time{})); m == nil || m.ID != "old" {
		t.Errorf("with no intent time, any migration with the key counts: %v", m)
	}
	// An intent that journaled its batch id is matched by it, not by its key.
	batched := keyed("k2", intent)
	batched.RemoteIDs = map[string]string{RemoteBatchID: "batch-7"}
	if m := l.migrationOfIntent(batched); m != nil {
		t.Errorf("an intent with a batch id was matched by its key: %s", m.ID)
	}
	l.Migrations = append(l.Migrations, Migration{ID: "batched", ExternalReferenceID: "batch-7", StartedTime: &skewed})
	if m := l.migrationOfIntent(batched); m == nil || m.ID != "batched" {
		t.Errorf("the migration under the intent's batch id was not found: %v", m)
	}
	if m := l.migrationOfIntent(keyed("k2", intent)); m == nil || m.ID != "other" {
		t.Errorf("clock skew of 2 minutes rejected the migration: %v", m)
	}
}

func TestIdentityChangeIsBlockedNotIgnored(t *testing.T) {
	inst := model.Instance{Addr: "subscription.promo", Kind: model.KindSubscription, Provider: ProviderName,
		Subscription: &model.Subscription{CustomerID: "c1", MigrateFrom: "legacy-2"}}
	prior := &state.Resource{Status: StatusMigrated, RemoteIDs: map[string]string{"customer_id": "c1", "legacy_subscription_id": "legacy-1"}}
	r := identityChanged(inst, prior)
	if len(r) != 2 || !strings.Contains(r[0], "legacy-1") || !strings.Contains(r[1], "state rm") {
		t.Errorf("reasons = %q", r)
	}
	prior.RemoteIDs["legacy_subscription_id"] = "LEGACY-2"
	if r := identityChanged(inst, prior); r != nil {
		t.Errorf("same subscription (case aside) reported as changed: %q", r)
	}
	if r := identityChanged(inst, nil); r != nil {
		t.Errorf("no state, yet changed: %q", r)
	}
}

func withActiveAddons(l *Live) {
	for i := range l.Addons {
		l.Addons[i].Status = "active"
	}
}

func TestActiveAddonLeftOutIsBlocked(t *testing.T) {
	p := &Provider{}
	inst := tInstance()
	ch, diags := p.Plan(inst, nil, tLive(withActiveAddons))
	if diags.HasErrors() || ch.Action != model.ActionBlocked || len(ch.Reasons) != 2 || !strings.Contains(ch.Reasons[0], tAddon1) {
		t.Fatalf("change = %s %q %v", ch.Action, ch.Reasons, diags)
	}
	withAddons(&inst)
	if ch, _ := p.Plan(inst, nil, tLive(withActiveAddons)); ch.Action != model.ActionCreate {
		t.Errorf("with its add-ons listed: %s %q", ch.Action, ch.Reasons)
	}
}

func TestDriftAfterMigrationIsNoted(t *testing.T) {
	qty := 99
	s := &model.Subscription{TermDuration: "P1Y", BillingCycle: "monthly", Quantity: &qty}
	succ := &Subscription{ID: "n1", Quantity: 11, TermDuration: "P1Y", BillingCycle: "annual"}
	r := drift(s, succ)
	if len(r) != 1 || !strings.Contains(r[0], "quantity 99 (it has 11)") || !strings.Contains(r[0], "billing_cycle monthly (it has annual)") {
		t.Errorf("drift = %q", r)
	}
	succ.Quantity, succ.BillingCycle = 99, "Monthly"
	if r := drift(s, succ); r != nil {
		t.Errorf("no drift, yet %q", r)
	}
}

func TestMigrateFromANewCommerceSubscriptionIsExplained(t *testing.T) {
	l := tLive(func(l *Live) { l.Legacy.OfferID = "CFQ7TTC0LF8Q:0001:CFQ7TTC0KQDF" })
	ch, _ := (&Provider{}).Plan(tInstance(), nil, l)
	if ch.Action != model.ActionBlocked || !strings.Contains(strings.Join(ch.Reasons, " "), "already a New Commerce subscription") {
		t.Errorf("change = %s %q", ch.Action, ch.Reasons)
	}
}

// TestPlanLegacyNotFoundIsASpecError: a migrate_from that names no subscription of the customer is
// an error at the migrate_from attribute, marked Unreadable so the planner leaves it out (exit 1),
// not a change "blocked by the remote system" (exit 3).
func TestPlanLegacyNotFoundIsASpecError(t *testing.T) {
	inst := tInstance(func(i *model.Instance) { i.Subscription.Ranges["migrate_from"] = tRange(11) })
	_, diags := NewProvider(nil).Plan(inst, nil, tLive(func(l *Live) { l.Legacy = nil }))
	if len(diags) != 1 || diags[0].Severity != hcl.DiagError || diags[0].Summary != "Legacy subscription not found" {
		t.Fatalf("diagnostics: %v", diags)
	}
	d := diags[0]
	if d.Subject == nil || d.Subject.Start.Line != 11 {
		t.Errorf("subject %v, want the migrate_from attribute (line 11)", d.Subject)
	}
	if !strings.Contains(d.Detail, tLegacy) || !strings.Contains(d.Detail, tCustomer) || !strings.Contains(d.Detail, "Check migrate_from") {
		t.Errorf("detail: %s", d.Detail)
	}
	if u, ok := d.Extra.(providers.Unreadable); !ok || len(u.Addrs) != 1 || u.Addrs[0] != inst.Addr {
		t.Errorf("Extra = %#v, want providers.Unreadable{%s}", d.Extra, inst.Addr)
	}
}

// A migration ferry did not start — Microsoft's own at term end, or another one — is recorded
// without sending anything, the plan says whose it is, and warns where it differs from the spec.
func TestMigrationNotStartedByFerry(t *testing.T) {
	qty := 30
	withQty := func(inst *model.Instance) { inst.Subscription.Quantity = &qty }
	migrated := func(m Migration) func(*Live) {
		return func(l *Live) {
			l.Legacy.Status = "suspended"
			l.Validation = nil
			m.Quantity, m.TermDuration, m.BillingCycle = 25, "P1Y", "Annual"
			l.Migrations = []Migration{m}
		}
	}
	for _, tc := range []struct {
		name      string
		prior     *state.Resource
		live      *Live
		summary   string // substring of the summary
		reason    string // substring of the first reason
		warning   bool
		notOrigin bool // the plan must not claim someone else started it
	}{{
		name:    "completed at term end",
		live:    tLive(migrated(tMigration("m-ms", MigrationCompleted, "", "2027-03-31T02:00:00Z"))),
		summary: "(migrated by Microsoft at term end)",
		reason:  "migrated by Microsoft at term end; nothing is sent",
		warning: true,
	}, {
		name:    "completed mid-term, not by ferry",
		live:    tLive(migrated(tMigration("m-x", MigrationCompleted, "other-batch", "2026-06-01T09:00:00Z"))),
		summary: "(a migration not started by ferry)",
		reason:  "a migration not started by ferry; nothing is sent",
		warning: true,
	}, {
		name: "processing at term end",
		live: tLive(migrated(tMigration("m-ms", MigrationProcessing, "", "2027-03-30T23:00:00Z")), func(l *Live) {
			l.Legacy.Status = "active"
		}),
		summary: "Processing; being migrated by Microsoft at term end",
		reason:  "being migrated by Microsoft at term end; nothing is sent",
		warning: true,
	}, {
		name: "ferry's own, found by the batch id of its intent",
		prior: tPrior(state.StatusInProgress, map[string]*state.StepRecord{StepMigrate: {Key: "k1", Attempt: 1, Status: state.StepDone,
			RemoteIDs: map[string]string{RemoteBatchID: "b-1"}}}),
		live:      tLive(migrated(tMigration("m-f", MigrationCompleted, "b-1", "2026-06-01T09:00:00Z"))),
		notOrigin: true,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			ch, diags := (&Provider{}).Plan(tInstance(withQty), tc.prior, tc.live)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if ch.Action != model.ActionResume || strings.Join(stepNames(ch), ",") != StepAwaitMigration {
				t.Fatalf("plan %s %v, want resume with only await_migration (nothing sent)", ch.Action, stepNames(ch))
			}
			text := ch.Summary + "\n" + strings.Join(ch.Reasons, "\n")
			if tc.notOrigin {
				if strings.Contains(text, "not started by ferry") || strings.Contains(text, "Microsoft at term end") {
					t.Errorf("ferry's own migration described as someone else's: %s", text)
				}
				return
			}
			if !strings.Contains(ch.Summary, tc.summary) || len(ch.Reasons) == 0 || !strings.Contains(ch.Reasons[0], tc.reason) {
				t.Errorf("summary %q reasons %q; want %q and %q", ch.Summary, ch.Reasons, tc.summary, tc.reason)
			}
			if got := strings.Contains(text, "warning: migration m-") && strings.Contains(text, "quantity 25 (the spec says 30)") &&
				strings.Contains(text, "billing_cycle annual (the spec says monthly)"); got != tc.warning {
				t.Errorf("warning about quantity and billing cycle: %v, want %v: %s", got, tc.warning, text)
			}
			if strings.Contains(text, "term_duration") {
				t.Errorf("term_duration matches the spec but is warned about: %s", text)
			}
		})
	}
}

// TestRemoteNamesStayRaw: a remote name in a summary or an attribute is the text Partner Center sent,
// between double quotes, not Go-quoted (%q would put \x1b in the plan JSON where the offer attribute
// has the character); the renderers escape it when they print.
func TestRemoteNamesStayRaw(t *testing.T) {
	const evil = "Evil \x1b[31mRED\u202e\"X"
	live := tLive(func(l *Live) {
		l.Legacy.OfferName = evil
		for i := range l.Addons {
			l.Addons[i].OfferName = evil
		}
	})
	ch, diags := NewProvider(nil).Plan(tInstance(withAddons), nil, live)
	if diags.HasErrors() || ch.Action != model.ActionCreate {
		t.Fatalf("action %q: %v", ch.Action, diags)
	}
	if want := `"` + evil + `" (`; !strings.Contains(ch.Summary, want) {
		t.Errorf("summary %q lacks %q", ch.Summary, want)
	}
	found := false
	for _, d := range ch.Details {
		if strings.HasPrefix(d.Name, "addon ") {
			found = true
			if !strings.HasPrefix(d.New, `"`+evil+`" (`) {
				t.Errorf("add-on attribute %q, want the raw name first", d.New)
			}
		}
	}
	if !found {
		t.Errorf("no add-on attribute in %+v", ch.Details)
	}
	if strings.Contains(ch.Summary, `\x1b`) {
		t.Errorf("summary Go-quoted: %q", ch.Summary)
	}
}

// TestResumeOfRecordedMigrationSaysSo: an apply that created a migration (journaled with its id) and
// was interrupted before recording the result; the next plan must not claim that the state does not
// record the migration — it names it as the one the earlier apply started.
func TestResumeOfRecordedMigrationSaysSo(t *testing.T) {
	p := &Provider{}
	prior := tPrior(StatusMigrating, map[string]*state.StepRecord{
		StepMigrate: {Key: "k2", Attempt: 2, Status: state.StepDone, RemoteIDs: map[string]string{"migration_id": "m-2"}},
	})
	ch, diags := p.Plan(tInstance(), prior, tLive(func(l *Live) {
		l.Legacy = tLegacySub("suspended")
		l.Successor = &Subscription{ID: tNCE, MigratedFromSubscriptionID: tLegacy}
		l.Migrations = []Migration{tMigration("m-2", MigrationCompleted, "batch", "2026-01-02T00:00:00Z")}
	}))
	if diags.HasErrors() || ch.Action != model.ActionResume || len(ch.Reasons) != 1 {
		t.Fatalf("change = %s %q %v", ch.Action, ch.Reasons, diags)
	}
	if r := ch.Reasons[0]; strings.Contains(r, "does not record") || !strings.Contains(r, "migration m-2, started by an earlier apply") {
		t.Errorf("reason = %q", r)
	}
}
