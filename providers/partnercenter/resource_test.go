package partnercenter

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/hcl/v2"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/providers/simkit"
	"github.com/ferry-dev/ferry/state"
)

// Offers of the simulated rtCatalog.
const (
	rtOfferE3      = "796B6B5F-613C-4E24-A17C-EBA730D49C02"
	rtOfferAudio   = "0C0A6F5C-0000-4000-8000-0000000000AC"
	rtOfferPhone   = "1C0A6F5C-0000-4000-8000-0000000000B5"
	rtOfferNoNCE   = "2C0A6F5C-0000-4000-8000-0000000000DD"
	rtCatalogE3    = "CFQ7TTC0LF8Q:0001:CFQ7TTC0KQDF"
	rtCatalogAudio = "CFQ7TTC0LF6C:0001:CFQ7TTC0HQ0B"
	rtCatalogPhone = "CFQ7TTC0LH1X:0001:CFQ7TTC0J7W8"
)

// rtFixture is a simulator served over httptest with a provider talking to it.
type rtFixture struct {
	sim *Simulator
	env *simkit.Env
	p   *Provider
}

func rtNewFixture(t *testing.T, w SimWorld, b simkit.Behaviour) *rtFixture {
	t.Helper()
	if b.Durations == nil {
		b.Durations = map[string]simkit.Duration{DurationMigration: simkit.Duration(40 * time.Millisecond)}
	}
	if b.RateLimits == "" {
		b.RateLimits = simkit.RateLimitsOff
	}
	env := simkit.NewEnv(b)
	sim := NewSimulator(w, env)
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	c, err := NewClient(ClientConfig{
		BaseURL:       srv.URL + "/v1",
		HTTPClient:    srv.Client(),
		CorrelationID: "6f1c2d2e-0000-4000-8000-000000000001",
		Limits:        NoLimits(),
		Sleep:         func(ctx context.Context, d time.Duration) error { return ctx.Err() },
	})
	if err != nil {
		t.Fatal(err)
	}
	p := NewProvider(c)
	p.PollInterval, p.MaxPollInterval = 5*time.Millisecond, 20*time.Millisecond
	return &rtFixture{sim: sim, env: env, p: p}
}

func (f *rtFixture) stat(op string) int64 { return f.env.Stats.Get("partnercenter." + op) }

// rtID makes a GUID-looking id from a prefix and a number.
func rtID(prefix string, n int) string {
	return fmt.Sprintf("%s%07x-0000-4000-8000-%012x", prefix, n, n)
}

func rtLegacySub(id, offer string, qty int) Subscription {
	end := time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)
	return Subscription{ID: id, OfferID: offer, OfferName: "Office 365 E3", Quantity: qty, Status: "active",
		BillingCycle: "monthly", TermDuration: "P1Y", CommitmentEndDate: &end, OrderID: "ord-" + id[:8]}
}

func rtAddonSub(id, parent, offer string, qty int) Subscription {
	s := rtLegacySub(id, offer, qty)
	s.OfferName, s.ParentSubscriptionID = "Add-on", parent
	return s
}

func rtCatalog() map[string]string {
	return map[string]string{rtOfferE3: rtCatalogE3, rtOfferAudio: rtCatalogAudio, rtOfferPhone: rtCatalogPhone}
}

func rtInstance(name, customer, legacy string, addons ...string) model.Instance {
	inst := model.Instance{
		Addr:      model.Addr(fmt.Sprintf("subscription.m365[%q]", name)),
		Kind:      model.KindSubscription,
		Provider:  ProviderName,
		DeclRange: tRange(10),
		Subscription: &model.Subscription{
			Via: ProviderName, CustomerID: customer, MicrosoftDomain: "contoso.onmicrosoft.com", MigrateFrom: legacy,
			TermDuration: "P1Y", BillingCycle: "monthly",
			Ranges: map[string]hcl.Range{},
		},
	}
	for _, a := range addons {
		inst.Subscription.Addons = append(inst.Subscription.Addons, model.Addon{MigrateFrom: a, TermDuration: "P1M", BillingCycle: "monthly"})
	}
	return inst
}

// planOne reads and plans one instance.
func (f *rtFixture) planOne(t *testing.T, inst model.Instance, prior *state.Resource) model.Change {
	t.Helper()
	lives, diags := f.p.Read(context.Background(), []providers.ReadRequest{{Instance: inst, Prior: prior}})
	if diags.HasErrors() {
		t.Fatalf("Read: %v", diags)
	}
	ch, diags := f.p.Plan(inst, prior, lives[inst.Addr])
	if diags.HasErrors() {
		t.Fatalf("Plan: %v", diags)
	}
	return ch
}

// rtExecutor is a minimal stand-in for the rtExecutor: it journals into a state.Resource the way the
// real one does (intent before a mutating step, outcome after) and keys steps by address, name and
// attempt.
type rtExecutor struct {
	mu     sync.Mutex
	res    *state.Resource
	events []model.Event
}

func rtStepKey(s model.Step) string {
	return fmt.Sprintf("lineage-1/%s/%s/%d", s.Addr, s.Name, s.Attempt)
}

func rtNewExecutor(prior *state.Resource, ch model.Change) *rtExecutor {
	r := prior.Clone()
	if r == nil {
		r = &state.Resource{Addr: string(ch.Addr), Kind: ch.Kind, Provider: ch.Provider, Status: state.StatusInProgress}
	}
	if r.Steps == nil {
		r.Steps = map[string]*state.StepRecord{}
	}
	if r.RemoteIDs == nil {
		r.RemoteIDs = map[string]string{}
	}
	if r.Attributes == nil {
		r.Attributes = map[string]string{}
	}
	return &rtExecutor{res: r}
}

// run executes the change's steps in order and returns the first error. Like the executor, it
// journals the remote IDs a step reports through progress into its record, and passes a resumed
// intent's journaled remote IDs (its batch id) to Reconcile and Do in Step.Earlier.
func (e *rtExecutor) run(ctx context.Context, p *Provider, ch model.Change) error {
	for _, s := range ch.Steps {
		key := rtStepKey(s)
		rec := &state.StepRecord{Key: key, Attempt: s.Attempt, Status: state.StepIntent}
		if s.Mutating {
			resumed := false
			if old := e.res.Steps[s.Name]; old != nil && old.Status == state.StepIntent && old.Key == key {
				resumed = true
				s.Earlier = maps.Clone(old.RemoteIDs)
				s.IntentAt = old.StartedAt
				rec = old
				out, found, err := p.Reconcile(ctx, s, key)
				if err != nil {
					return err
				}
				if found {
					e.done(s.Name, rec, out)
					continue
				}
			}
			if !resumed {
				rec.RemoteIDs = p.IntentIDs(s) // journaled with the intent
				s.Earlier = merged(s.Earlier, rec.RemoteIDs)
			}
			e.res.Steps[s.Name] = rec
		}
		out, err := p.Do(ctx, s, key, func(ev model.Event) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.events = append(e.events, ev)
			if len(ev.RemoteIDs) > 0 {
				rec.RemoteIDs = merged(rec.RemoteIDs, ev.RemoteIDs)
				maps.Copy(e.res.RemoteIDs, ev.RemoteIDs)
			}
		})
		if err != nil {
			rec.Status, rec.Error = state.StepFailed, err.Error()
			e.res.Steps[s.Name] = rec
			e.res.Status = state.StatusFailed
			maps.Copy(e.res.RemoteIDs, out.RemoteIDs)
			return err
		}
		e.done(s.Name, rec, out)
	}
	if ch.State != nil {
		e.res.Status = ch.State.Status
		for k, v := range ch.State.RemoteIDs {
			if _, ok := e.res.RemoteIDs[k]; !ok {
				e.res.RemoteIDs[k] = v
			}
		}
	}
	return nil
}

func merged(dst, src map[string]string) map[string]string {
	if dst == nil {
		dst = map[string]string{}
	}
	maps.Copy(dst, src)
	return dst
}

func (e *rtExecutor) done(name string, rec *state.StepRecord, out model.Outcome) {
	rec.Status, rec.RemoteIDs = state.StepDone, merged(rec.RemoteIDs, out.RemoteIDs)
	e.res.Steps[name] = rec
	maps.Copy(e.res.RemoteIDs, out.RemoteIDs)
	maps.Copy(e.res.Attributes, out.Attributes)
	if out.Status != "" {
		e.res.Status = out.Status
	}
}

func TestReadBatchesOneListPerCustomer(t *testing.T) {
	var w SimWorld
	w.Catalog = rtCatalog()
	var insts []model.Instance
	for c := 1; c <= 3; c++ {
		cust := SimCustomer{ID: rtID("c", c), Domain: fmt.Sprintf("c%d.onmicrosoft.com", c)}
		for s := 1; s <= 4; s++ {
			id := rtID("5", c*100+s)
			cust.Subscriptions = append(cust.Subscriptions, rtLegacySub(id, rtOfferE3, 10+s))
			insts = append(insts, rtInstance(id, cust.ID, id))
		}
		w.Customers = append(w.Customers, cust)
	}
	f := rtNewFixture(t, w, simkit.Behaviour{})
	reqs := make([]providers.ReadRequest, len(insts))
	for i, inst := range insts {
		reqs[i] = providers.ReadRequest{Instance: inst}
	}
	lives, diags := f.p.Read(context.Background(), reqs)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for _, inst := range insts {
		ch, diags := f.p.Plan(inst, nil, lives[inst.Addr])
		if diags.HasErrors() || ch.Action != model.ActionCreate {
			t.Errorf("%s: %s %q %v", inst.Addr, ch.Action, ch.Reasons, diags)
		}
	}
	for op, want := range map[string]int64{"ListSubscriptions": 3, "GetSubscription": 0, "ListMigrations": 0, "ValidateMigration": 12, "CreateMigration": 0} {
		if got := f.stat(op); got != want {
			t.Errorf("%s calls: %d, want %d", op, got, want)
		}
	}
}

func TestCreateAwaitNoopWithAddons(t *testing.T) {
	cust, legacy, a1, a2 := rtID("c", 1), rtID("5", 1), rtID("a", 1), rtID("a", 2)
	w := SimWorld{Catalog: rtCatalog(), Customers: []SimCustomer{{ID: cust, Domain: "c1.onmicrosoft.com", Subscriptions: []Subscription{
		rtLegacySub(legacy, rtOfferE3, 25), rtAddonSub(a1, legacy, rtOfferAudio, 5), rtAddonSub(a2, legacy, rtOfferPhone, 3),
	}}}}
	f := rtNewFixture(t, w, simkit.Behaviour{})
	inst := rtInstance("x", cust, legacy, a1, a2)
	ch := f.planOne(t, inst, nil)
	if ch.Action != model.ActionCreate || !strings.Contains(ch.Summary, "2 add-ons") || !strings.Contains(ch.Summary, rtCatalogE3) {
		t.Fatalf("plan: %s %q %q", ch.Action, ch.Summary, ch.Reasons)
	}
	ex := rtNewExecutor(nil, ch)
	if err := ex.run(context.Background(), f.p, ch); err != nil {
		t.Fatal(err)
	}
	r := ex.res
	if r.Status != StatusMigrated || r.RemoteIDs["migration_id"] == "" || r.RemoteIDs["new_subscription_id"] == "" ||
		r.RemoteIDs["new_order_id"] == "" || r.RemoteIDs["addon:"+a1] == "" || r.RemoteIDs["addon:"+a2] == "" {
		t.Fatalf("state after apply: %+v", r)
	}
	if r.Attributes["offer_id"] != rtCatalogE3 || r.Attributes["quantity"] != "25" || r.Attributes["term_duration"] != "P1Y" ||
		r.Attributes["billing_cycle"] != "monthly" || r.Attributes["commitment_end_date"] != "2027-03-31" {
		t.Errorf("attributes %v", r.Attributes)
	}
	if len(ex.events) == 0 || ex.events[0].RemoteIDs["migration_id"] != r.RemoteIDs["migration_id"] {
		t.Errorf("first event must carry the migration id: %+v", ex.events)
	}
	// The create carried the batch id journaled with its intent as externalReferenceId.
	batch := r.Steps[StepMigrate].RemoteIDs[RemoteBatchID]
	if ms := f.sim.World().Migrations; batch == "" || len(ms) != 1 || ms[0].ExternalReferenceID != batch {
		t.Errorf("the migration's externalReferenceId is not the batch id %q journaled with the intent: %+v", batch, ms)
	}
	// The world agrees: legacy and add-ons suspended, successors with the right parents.
	subs := map[string]Subscription{}
	for _, s := range f.sim.World().Customers[0].Subscriptions {
		subs[s.ID] = s
	}
	for _, id := range []string{legacy, a1, a2} {
		if subs[id].Status != "suspended" {
			t.Errorf("%s status %s", id, subs[id].Status)
		}
	}
	nb := r.RemoteIDs["new_subscription_id"]
	for _, a := range []string{a1, a2} {
		if p := subs[r.RemoteIDs["addon:"+a]].ParentSubscriptionID; p != nb {
			t.Errorf("add-on successor of %s has parent %q, want %q", a, p, nb)
		}
	}
	// Plan again: nothing to do, and nothing was sent twice.
	if ch := f.planOne(t, inst, r); ch.Action != model.ActionNoop {
		t.Errorf("second plan: %s %q %q", ch.Action, ch.Summary, ch.Reasons)
	}
	// State lost after completion (crash before the outcome was journaled): the plan records the
	// result without sending anything.
	ch3 := f.planOne(t, inst, nil)
	if ch3.Action != model.ActionResume || strings.Join(stepNames(ch3), ",") != StepAwaitMigration || ch3.Steps[0].Mutating {
		t.Fatalf("plan without state: %s %v", ch3.Action, stepNames(ch3))
	}
	ex3 := rtNewExecutor(nil, ch3)
	if err := ex3.run(context.Background(), f.p, ch3); err != nil {
		t.Fatal(err)
	}
	if ex3.res.Status != StatusMigrated || ex3.res.RemoteIDs["new_subscription_id"] != nb || ex3.res.RemoteIDs["addon:"+a1] != r.RemoteIDs["addon:"+a1] {
		t.Errorf("recorded state %+v", ex3.res)
	}
	if got := f.stat("CreateMigration"); got != 1 {
		t.Errorf("CreateMigration calls %d, want 1", got)
	}
}

func rtOneSubWorld(cust, legacy string) SimWorld {
	return SimWorld{Catalog: rtCatalog(), Customers: []SimCustomer{{ID: cust, Domain: "c1.onmicrosoft.com", Subscriptions: []Subscription{rtLegacySub(legacy, rtOfferE3, 25)}}}}
}

func TestResumeAfterIntent(t *testing.T) {
	cust, legacy := rtID("c", 1), rtID("5", 1)
	f := rtNewFixture(t, rtOneSubWorld(cust, legacy), simkit.Behaviour{})
	inst := rtInstance("x", cust, legacy)
	ch := f.planOne(t, inst, nil)
	migrate := ch.Steps[0]
	key := rtStepKey(migrate)
	// The intent is journaled with the batch id, the migration is sent, then ferry dies before
	// the outcome is journaled.
	journaled := f.p.IntentIDs(migrate)
	batch := journaled[RemoteBatchID]
	if batch == "" {
		t.Fatal("the create has no batch id to journal with its intent")
	}
	sent := migrate
	sent.Earlier = journaled
	if _, err := f.p.Do(context.Background(), sent, key, func(ev model.Event) {
		if ev.RemoteIDs[RemoteBatchID] != "" {
			t.Errorf("the batch id journaled with the intent was reported again: %+v", ev)
		}
	}); err != nil {
		t.Fatal(err)
	}
	ms := f.sim.World().Migrations
	if len(ms) != 1 || ms[0].ExternalReferenceID != batch {
		t.Fatalf("migrations %+v, want one with externalReferenceId %s", ms, batch)
	}
	prior := &state.Resource{Addr: string(inst.Addr), Kind: inst.Kind, Provider: ProviderName, Status: state.StatusInProgress,
		Steps: map[string]*state.StepRecord{StepMigrate: {Key: key, Attempt: migrate.Attempt, Status: state.StepIntent, RemoteIDs: journaled}}}
	resumed := migrate
	resumed.Earlier = journaled
	out, found, err := f.p.Reconcile(context.Background(), resumed, key)
	if err != nil || !found || out.RemoteIDs["migration_id"] != ms[0].ID {
		t.Fatalf("Reconcile: %+v %v %v", out, found, err)
	}
	if _, found, _ := f.p.Reconcile(context.Background(), migrate, key); found {
		t.Error("Reconcile without the batch id found a migration by the key, which was not sent as externalReferenceId")
	}
	other := migrate
	other.Earlier = map[string]string{RemoteBatchID: "4b7c0000-0000-4000-8000-000000000000"}
	if _, found, _ := f.p.Reconcile(context.Background(), other, key); found {
		t.Error("Reconcile found a migration under a batch id never sent")
	}
	if _, found, _ := f.p.Reconcile(context.Background(), ch.Steps[1], key); found {
		t.Error("Reconcile of a non-mutating step must report not found")
	}
	ch2 := f.planOne(t, inst, prior)
	if ch2.Action != model.ActionResume || strings.Join(stepNames(ch2), ",") != "migrate,await_migration" || rtStepKey(ch2.Steps[0]) != key {
		t.Fatalf("resume plan: %s %v", ch2.Action, stepNames(ch2))
	}
	ex := rtNewExecutor(prior, ch2)
	if err := ex.run(context.Background(), f.p, ch2); err != nil {
		t.Fatal(err)
	}
	if ex.res.Status != StatusMigrated || ex.res.RemoteIDs["migration_id"] != out.RemoteIDs["migration_id"] || ex.res.Steps[StepMigrate].Status != state.StepDone {
		t.Errorf("state %+v, migrate step %+v", ex.res, ex.res.Steps[StepMigrate])
	}
	// Settled: the next plan is a no-op and needs no migration history.
	lists := f.stat("ListMigrations")
	if ch := f.planOne(t, inst, ex.res); ch.Action != model.ActionNoop {
		t.Errorf("plan after resume: %s %q", ch.Action, ch.Reasons)
	}
	if got := f.stat("ListMigrations"); got != lists {
		t.Errorf("a settled state still read the migration history")
	}
	if got := f.stat("CreateMigration"); got != 1 {
		t.Errorf("CreateMigration calls %d, want 1", got)
	}
}

func TestResumeAfterIntentNothingSent(t *testing.T) {
	cust, legacy := rtID("c", 1), rtID("5", 1)
	f := rtNewFixture(t, rtOneSubWorld(cust, legacy), simkit.Behaviour{})
	inst := rtInstance("x", cust, legacy)
	first := f.planOne(t, inst, nil)
	key := rtStepKey(first.Steps[0])
	// The intent was journaled, then ferry died before sending.
	prior := &state.Resource{Addr: string(inst.Addr), Kind: inst.Kind, Provider: ProviderName, Status: state.StatusInProgress,
		Steps: map[string]*state.StepRecord{StepMigrate: {Key: key, Attempt: 1, Status: state.StepIntent}}}
	ch := f.planOne(t, inst, prior)
	if ch.Action != model.ActionResume || strings.Join(stepNames(ch), ",") != "migrate,await_migration" || rtStepKey(ch.Steps[0]) != key {
		t.Fatalf("plan %s %v key %s", ch.Action, stepNames(ch), rtStepKey(ch.Steps[0]))
	}
	ex := rtNewExecutor(prior, ch)
	if err := ex.run(context.Background(), f.p, ch); err != nil {
		t.Fatal(err)
	}
	if got := f.stat("CreateMigration"); got != 1 || ex.res.Status != StatusMigrated {
		t.Errorf("CreateMigration calls %d (want 1), status %s", got, ex.res.Status)
	}
}

func TestLostResponseOnCreate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault simkit.Fault
	}{
		{"500 after the work", simkit.Fault{Operation: "partnercenter.CreateMigration", Status: 500, LostResponse: true, Count: 1}},
		{"dropped connection", simkit.Fault{Operation: "partnercenter.CreateMigration", LostResponse: true, Count: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cust, legacy := rtID("c", 1), rtID("5", 1)
			f := rtNewFixture(t, rtOneSubWorld(cust, legacy), simkit.Behaviour{Faults: []simkit.Fault{tc.fault}})
			inst := rtInstance("x", cust, legacy)
			ch := f.planOne(t, inst, nil)
			ex := rtNewExecutor(nil, ch)
			if err := ex.run(context.Background(), f.p, ch); err != nil {
				t.Fatal(err)
			}
			if got := f.stat("CreateMigration"); got != 1 {
				t.Errorf("CreateMigration calls %d, want 1", got)
			}
			if n := len(f.sim.World().Migrations); n != 1 {
				t.Errorf("%d migrations in the world, want 1", n)
			}
			if ex.res.Status != StatusMigrated {
				t.Errorf("status %s", ex.res.Status)
			}
		})
	}
}

func TestFailedMigrationNewAttempt(t *testing.T) {
	cust, legacy := rtID("c", 1), rtID("5", 1)
	f := rtNewFixture(t, rtOneSubWorld(cust, legacy), simkit.Behaviour{Faults: []simkit.Fault{
		{Operation: "partnercenter.CreateMigration", Outcome: simkit.OutcomeFail, Count: 1, Match: legacy},
	}})
	inst := rtInstance("x", cust, legacy)
	ch := f.planOne(t, inst, nil)
	ex := rtNewExecutor(nil, ch)
	err := ex.run(context.Background(), f.p, ch)
	if err == nil || !strings.Contains(err.Error(), "failed: The migration to New Commerce failed.") {
		t.Fatalf("await error: %v", err)
	}
	ch2 := f.planOne(t, inst, ex.res)
	if ch2.Action != model.ActionCreate || ch2.Steps[0].Attempt != 2 || rtStepKey(ch2.Steps[0]) == rtStepKey(ch.Steps[0]) {
		t.Fatalf("retry plan: %s attempt %d", ch2.Action, ch2.Steps[0].Attempt)
	}
	if len(ch2.Reasons) != 1 || !strings.Contains(ch2.Reasons[0], "previous migration "+ex.res.RemoteIDs["migration_id"]+" failed") {
		t.Errorf("reasons %q", ch2.Reasons)
	}
	ex2 := rtNewExecutor(ex.res, ch2)
	if err := ex2.run(context.Background(), f.p, ch2); err != nil {
		t.Fatal(err)
	}
	if ex2.res.Status != StatusMigrated || f.stat("CreateMigration") != 2 {
		t.Errorf("status %s, creates %d", ex2.res.Status, f.stat("CreateMigration"))
	}
}

func TestFailSuspendedIsBlocked(t *testing.T) {
	cust, legacy := rtID("c", 1), rtID("5", 1)
	f := rtNewFixture(t, rtOneSubWorld(cust, legacy), simkit.Behaviour{Faults: []simkit.Fault{
		{Operation: "partnercenter.CreateMigration", Outcome: simkit.OutcomeFailSuspended, Count: 1},
	}})
	inst := rtInstance("x", cust, legacy)
	ch := f.planOne(t, inst, nil)
	ex := rtNewExecutor(nil, ch)
	if err := ex.run(context.Background(), f.p, ch); err == nil {
		t.Fatal("await succeeded")
	}
	ch2 := f.planOne(t, inst, ex.res)
	if ch2.Action != model.ActionBlocked || !strings.Contains(strings.Join(ch2.Reasons, "\n"), blockedFailedSuspended) {
		t.Errorf("plan %s %q", ch2.Action, ch2.Reasons)
	}
	// Without state (lost), the same decision.
	if ch3 := f.planOne(t, inst, nil); ch3.Action != model.ActionBlocked {
		t.Errorf("plan without state %s %q", ch3.Action, ch3.Reasons)
	}
	if got := f.stat("CreateMigration"); got != 1 {
		t.Errorf("CreateMigration calls %d, want 1", got)
	}
}

func TestIneligibleBlockedOthersUnaffected(t *testing.T) {
	cust, missingCust := rtID("c", 1), rtID("c", 99)
	trial, noNCE, ok, gone := rtID("5", 1), rtID("5", 2), rtID("5", 3), rtID("5", 4)
	trialSub := rtLegacySub(trial, rtOfferE3, 25)
	trialSub.IsTrial = true
	w := SimWorld{Catalog: rtCatalog(), Customers: []SimCustomer{{ID: cust, Domain: "c1.onmicrosoft.com", Subscriptions: []Subscription{
		trialSub, rtLegacySub(noNCE, rtOfferNoNCE, 10), rtLegacySub(ok, rtOfferE3, 5),
	}}}}
	f := rtNewFixture(t, w, simkit.Behaviour{})
	insts := []model.Instance{
		rtInstance("trial", cust, trial), rtInstance("nonce", cust, noNCE), rtInstance("ok", cust, ok),
		rtInstance("gone", cust, gone), rtInstance("other", missingCust, rtID("5", 5)),
	}
	var reqs []providers.ReadRequest
	for _, i := range insts {
		reqs = append(reqs, providers.ReadRequest{Instance: i})
	}
	lives, diags := f.p.Read(context.Background(), reqs)
	// One error for the unreadable customer, marked Unreadable with its instance (the planner leaves it
	// out of the plan: an error, not a blocked change).
	if len(diags) != 1 || diags[0].Severity != hcl.DiagError || !strings.Contains(diags[0].Summary+diags[0].Detail, missingCust) {
		t.Fatalf("diagnostics: %v", diags)
	}
	if u, ok := diags[0].Extra.(providers.Unreadable); !ok || len(u.Addrs) != 1 || u.Addrs[0] != insts[4].Addr {
		t.Errorf("diagnostic Extra = %#v, want providers.Unreadable{%s}", diags[0].Extra, insts[4].Addr)
	}
	// The unreadable customer's instance is blocked with the reason; the others are unaffected.
	if ch, d := f.p.Plan(insts[4], nil, lives[insts[4].Addr]); d.HasErrors() || ch.Action != model.ActionBlocked ||
		!strings.Contains(strings.Join(ch.Reasons, "\n"), "listing subscriptions") {
		t.Errorf("unreadable customer: %s %q %v", ch.Action, ch.Reasons, d)
	}
	want := map[string]struct {
		action model.Action
		reason string
	}{
		"trial": {model.ActionBlocked, "NewCommerceProductUnavailable (5): "},
		"nonce": {model.ActionBlocked, "NewCommerceProductUnavailable (5): "},
		"ok":    {model.ActionCreate, ""},
	}
	// A migrate_from that names no subscription of the customer: an error at migrate_from, marked
	// Unreadable (the planner leaves it out), not a blocked change.
	if _, d := f.p.Plan(insts[3], nil, lives[insts[3].Addr]); len(d) != 1 || d[0].Summary != "Legacy subscription not found" ||
		!strings.Contains(d[0].Detail, gone) {
		t.Errorf("gone: %v", d)
	} else if u, ok := d[0].Extra.(providers.Unreadable); !ok || len(u.Addrs) != 1 || u.Addrs[0] != insts[3].Addr {
		t.Errorf("gone: Extra = %#v", d[0].Extra)
	}
	for _, inst := range insts[:3] {
		ch, d := f.p.Plan(inst, nil, lives[inst.Addr])
		name := strings.TrimSuffix(strings.TrimPrefix(string(inst.Addr), `subscription.m365["`), `"]`)
		wt := want[name]
		if d.HasErrors() || ch.Action != wt.action || !strings.Contains(strings.Join(ch.Reasons, "\n"), wt.reason) {
			t.Errorf("%s: %s %q %v", name, ch.Action, ch.Reasons, d)
		}
	}
	if got := f.stat("ListSubscriptions"); got != 2 {
		t.Errorf("ListSubscriptions calls %d, want 2", got)
	}
	if got := f.stat("ListMigrations"); got != 1 {
		t.Errorf("ListMigrations calls %d, want 1 (once for the customer)", got)
	}
	if got := f.stat("ValidateMigration"); got != 3 {
		t.Errorf("ValidateMigration calls %d, want 3", got)
	}
}

func TestProcessingMigrationIsAwaited(t *testing.T) {
	cust, legacy := rtID("c", 1), rtID("5", 1)
	w := rtOneSubWorld(cust, legacy)
	started := time.Now().Add(-time.Second)
	w.Migrations = []Migration{{ID: "7a7a0000-0000-4000-8000-000000000001", CurrentSubscriptionID: legacy, CustomerTenantID: cust,
		Status: MigrationProcessing, StartedTime: &started, CatalogItemID: rtCatalogE3, Quantity: 25, TermDuration: "P1Y", BillingCycle: "monthly"}}
	f := rtNewFixture(t, w, simkit.Behaviour{Durations: map[string]simkit.Duration{DurationMigration: simkit.Duration(time.Hour)}})
	inst := rtInstance("x", cust, legacy)
	inst.Subscription.Timeouts.Migration = 30 * time.Millisecond
	ch := f.planOne(t, inst, nil)
	if ch.Action != model.ActionResume || len(ch.Steps) != 1 || ch.Steps[0].Name != StepAwaitMigration {
		t.Fatalf("plan %s %v %q", ch.Action, stepNames(ch), ch.Reasons)
	}
	ex := rtNewExecutor(nil, ch)
	err := ex.run(context.Background(), f.p, ch)
	if err == nil || !strings.Contains(err.Error(), "still Processing") || !strings.Contains(err.Error(), "re-run of apply keeps waiting") {
		t.Fatalf("await: %v", err)
	}
	if len(ex.events) == 0 || ex.events[0].Message != "migrating (Processing)" {
		t.Errorf("events %+v", ex.events)
	}
	// The executor also bounds the step with a context deadline: same message.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	ch.Steps[0].Timeout = time.Hour
	if _, err := f.p.Do(ctx, ch.Steps[0], "", nil); err == nil || !strings.Contains(err.Error(), "re-run of apply keeps waiting") {
		t.Errorf("await under a context deadline: %v", err)
	}
	if got := f.stat("CreateMigration"); got != 0 {
		t.Errorf("CreateMigration calls %d, want 0", got)
	}
}

func TestImportFromSimulator(t *testing.T) {
	cust, legacy, nce := rtID("c", 1), rtID("5", 1), rtID("9", 1)
	old := rtLegacySub(legacy, rtOfferE3, 25)
	old.Status = "suspended"
	end := time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)
	w := SimWorld{Catalog: rtCatalog(), Customers: []SimCustomer{{ID: cust, Domain: "c1.onmicrosoft.com", Subscriptions: []Subscription{old,
		{ID: nce, OfferID: rtCatalogE3, OfferName: "Office 365 E3", Quantity: 25, Status: "active", BillingCycle: "monthly", TermDuration: "P1Y",
			CommitmentEndDate: &end, MigratedFromSubscriptionID: legacy}}}}}
	f := rtNewFixture(t, w, simkit.Behaviour{})
	inst := rtInstance("x", cust, legacy)
	inst.ImportID = cust + "/" + nce
	ch := f.planOne(t, inst, nil)
	if ch.Action != model.ActionImport || ch.State == nil || ch.State.RemoteIDs["subscription_id"] != nce || len(ch.Steps) != 0 {
		t.Fatalf("import plan %s %+v", ch.Action, ch.State)
	}
	qty := 30
	inst.Subscription.Quantity = &qty
	inst.Subscription.Ranges["quantity"] = tRange(14)
	lives, _ := f.p.Read(context.Background(), []providers.ReadRequest{{Instance: inst}})
	_, diags := f.p.Plan(inst, nil, lives[inst.Addr])
	if len(diags) != 1 || diags[0].Subject == nil || diags[0].Subject.Start.Line != 14 || !strings.Contains(diags[0].Detail, "quantity = 30") {
		t.Errorf("mismatch diagnostics %v", diags)
	}
	if got := f.stat("ListSubscriptions"); got != 2 {
		t.Errorf("ListSubscriptions calls %d, want 2", got)
	}
	if got := f.stat("GetSubscription"); got != 0 {
		t.Errorf("GetSubscription calls %d, want 0", got)
	}
}

func TestDoRejectsBadParams(t *testing.T) {
	p := NewProvider(nil)
	for _, s := range []model.Step{
		{Name: StepMigrate},
		{Name: StepMigrate, Params: []byte(`{"customer_id":"c","legacy_subscription_id":"l"}`)},
		{Name: StepAwaitMigration, Params: []byte(`{`)},
		{Name: "explode", Params: []byte(`{"customer_id":"c","legacy_subscription_id":"l"}`)},
	} {
		if _, err := p.Do(context.Background(), s, "k", nil); err == nil {
			t.Errorf("Do(%s, %s) succeeded", s.Name, s.Params)
		}
	}
}

func TestCreateConflictFindsOwnMigration(t *testing.T) {
	cust, legacy := rtID("c", 1), rtID("5", 1)
	f := rtNewFixture(t, rtOneSubWorld(cust, legacy), simkit.Behaviour{Durations: map[string]simkit.Duration{DurationMigration: simkit.Duration(time.Hour)}})
	ch := f.planOne(t, rtInstance("x", cust, legacy), nil)
	key := rtStepKey(ch.Steps[0])
	journaled := map[string]string{}
	// Without a batch id journaled with the intent, the step reports the one it sends first.
	first, err := f.p.Do(context.Background(), ch.Steps[0], key, func(ev model.Event) { maps.Copy(journaled, ev.RemoteIDs) })
	if err != nil {
		t.Fatal(err)
	}
	if journaled[RemoteBatchID] == "" {
		t.Fatal("no batch id reported before the send")
	}
	// Resumed after its intent with the journaled batch id (the executor does so when its Reconcile
	// did not see the migration yet): Partner Center answers 409 and the step reports the migration
	// it already created instead of failing.
	resumed := ch.Steps[0]
	resumed.Earlier, resumed.IntentAt = journaled, time.Now()
	again, err := f.p.Do(context.Background(), resumed, key, nil)
	if err != nil || again.RemoteIDs["migration_id"] != first.RemoteIDs["migration_id"] {
		t.Fatalf("second Do: %+v %v", again, err)
	}
	// Under another key it is an error that says why.
	if _, err := f.p.Do(context.Background(), ch.Steps[0], key+"-2", nil); err == nil || !strings.Contains(err.Error(), "already in progress") {
		t.Errorf("Do under another key: %v", err)
	}
	if n := len(f.sim.World().Migrations); n != 1 {
		t.Errorf("%d migrations in the world, want 1", n)
	}
}

func TestReadRejectsBadInstances(t *testing.T) {
	p := NewProvider(nil) // no remote call may be made
	bad := rtInstance("bad", rtID("c", 1), rtID("5", 1))
	bad.ImportID = "not-an-import-id"
	cut := rtInstance("cut", rtID("c", 1), rtID("5", 2))
	cut.Kind = model.KindCutover
	commerce := rtInstance("commerce", rtID("c", 1), rtID("5", 3))
	commerce.Subscription.Via = "commerce"
	lives, diags := p.Read(context.Background(), []providers.ReadRequest{{Instance: bad}, {Instance: cut}, {Instance: commerce}})
	if len(diags) != 3 || len(lives) != 0 {
		t.Fatalf("diagnostics %v, lives %v", diags, lives)
	}
	if !strings.Contains(diags[0].Detail, "<customer_id>/<subscription_id>") {
		t.Errorf("import ID diagnostic %q", diags[0].Detail)
	}
}

// TestUnknownOutcomeSaidOnce: a create whose outcome stays unknown three times ends in one error
// that says so once (no "outcome unknown … outcome unknown" from the layers below it).
func TestUnknownOutcomeSaidOnce(t *testing.T) {
	cust, legacy := rtID("c", 1), rtID("5", 1)
	f := rtNewFixture(t, rtOneSubWorld(cust, legacy), simkit.Behaviour{Faults: []simkit.Fault{
		{Operation: "partnercenter.CreateMigration", Status: 500},
	}})
	inst := rtInstance("x", cust, legacy)
	ch := f.planOne(t, inst, nil)
	ex := rtNewExecutor(nil, ch)
	err := ex.run(context.Background(), f.p, ch)
	if err == nil || !errors.Is(err, model.ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want an unknown outcome", err)
	}
	if n := strings.Count(strings.ToLower(err.Error()), "unknown"); n != 1 {
		t.Errorf("the error says \"unknown\" %d times: %v", n, err)
	}
	if got := f.stat("CreateMigration"); got != maxUnknownSends {
		t.Errorf("CreateMigration calls %d, want %d", got, maxUnknownSends)
	}
}

// One batch id per run, renewed every BatchSize creates, as Microsoft's bulk tool does.
func TestBatchIDRenewedEvery200Creates(t *testing.T) {
	p := NewProvider(nil)
	first := p.nextBatch()
	if _, err := uuid.Parse(first); err != nil {
		t.Fatalf("batch id %q is not a GUID: %v", first, err)
	}
	for i := 2; i <= BatchSize; i++ {
		if b := p.nextBatch(); b != first {
			t.Fatalf("create %d got batch %s, want %s", i, b, first)
		}
	}
	if b := p.nextBatch(); b == first {
		t.Fatalf("create %d still in batch %s", BatchSize+1, first)
	}
}

// An intent journaled by a ferry that sent the key as externalReferenceId (no batch id in its
// record) is still reconciled, by the key, both in Reconcile and in plan.
func TestOldIntentWithOnlyTheKeyReconciles(t *testing.T) {
	cust, legacy := rtID("c", 1), rtID("5", 1)
	f := rtNewFixture(t, rtOneSubWorld(cust, legacy), simkit.Behaviour{Durations: map[string]simkit.Duration{DurationMigration: simkit.Duration(time.Hour)}})
	inst := rtInstance("x", cust, legacy)
	ch := f.planOne(t, inst, nil)
	key := rtStepKey(ch.Steps[0])
	req := *mustParams(t, ch.Steps[0]).Request
	req.ExternalReferenceID = key
	m, err := f.p.client.CreateMigration(context.Background(), cust, req, key)
	if err != nil {
		t.Fatal(err)
	}
	prior := &state.Resource{Addr: string(inst.Addr), Kind: inst.Kind, Provider: ProviderName, Status: state.StatusInProgress,
		Steps: map[string]*state.StepRecord{StepMigrate: {Key: key, Attempt: 1, Status: state.StepIntent, StartedAt: time.Now()}}}
	ch2 := f.planOne(t, inst, prior)
	if ch2.Action != model.ActionResume || !strings.Contains(ch2.Summary, shortID(m.ID)) {
		t.Fatalf("plan: %s %q", ch2.Action, ch2.Summary)
	}
	ex := rtNewExecutor(prior, ch2)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_ = ex.run(ctx, f.p, ch2) // the wait outlives ctx; the migrate step is what is checked
	if got := ex.res.Steps[StepMigrate]; got.Status != state.StepDone || got.RemoteIDs["migration_id"] != m.ID {
		t.Errorf("migrate step %+v, want done with migration %s", got, m.ID)
	}
	if got := f.stat("CreateMigration"); got != 1 {
		t.Errorf("CreateMigration calls %d, want 1 (the old ferry's)", got)
	}
}

// The watcher's one read (awaitOnce) and await_migration (doAwait) start with the same read
// (readAwaited): for a migration that Completed, Failed, is not known by the id named, or is still
// Processing, they agree.
func TestAwaitOnceAndDoAwaitAgree(t *testing.T) {
	for _, tc := range []struct {
		name    string
		outcome string // the forced outcome of the migration
		named   string // the migration id the step names: "" none, "bogus" one Partner Center does not know
		running bool   // still Processing when read
	}{
		{name: "completed", named: "real"},
		{name: "failed", outcome: "fail", named: "real"},
		{name: "named migration unknown: the newest", named: "bogus"},
		{name: "none named: the newest"},
		{name: "processing", named: "real", running: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cust, legacy := rtID("c", 1), rtID("5", 1)
			d := 40 * time.Millisecond
			if tc.running {
				d = time.Hour
			}
			var faults []simkit.Fault
			if tc.outcome != "" {
				faults = []simkit.Fault{{Operation: "partnercenter.CreateMigration", Outcome: tc.outcome, Count: 1}}
			}
			f := rtNewFixture(t, rtOneSubWorld(cust, legacy), simkit.Behaviour{Faults: faults,
				Durations: map[string]simkit.Duration{DurationMigration: simkit.Duration(d)}})
			inst := rtInstance("x", cust, legacy)
			ch := f.planOne(t, inst, nil)
			created, err := f.p.Do(context.Background(), ch.Steps[0], rtStepKey(ch.Steps[0]), nil)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.running {
				time.Sleep(60 * time.Millisecond)
			}
			params := mustParams(t, ch.Steps[1])
			switch tc.named {
			case "real":
				params.MigrationID = created.RemoteIDs["migration_id"]
			case "bogus":
				params.MigrationID = "0b0b0000-0000-4000-8000-000000000000"
			}
			once, onceErr := f.p.awaitOnce(context.Background(), ch.Steps[1], params)
			if tc.running {
				if onceErr != errStillProcessing {
					t.Fatalf("awaitOnce of a processing migration: %+v %v", once, onceErr)
				}
				return
			}
			step := ch.Steps[1]
			step.Params = encodeParams(params)
			full, fullErr := f.p.Do(context.Background(), step, "", nil)
			if fmt.Sprint(onceErr) != fmt.Sprint(fullErr) || !maps.Equal(once.RemoteIDs, full.RemoteIDs) ||
				!maps.Equal(once.Attributes, full.Attributes) || once.Status != full.Status {
				t.Errorf("awaitOnce %+v %v\ndoAwait   %+v %v", once, onceErr, full, fullErr)
			}
			if once.RemoteIDs["migration_id"] != created.RemoteIDs["migration_id"] {
				t.Errorf("outcome names migration %q, want %q", once.RemoteIDs["migration_id"], created.RemoteIDs["migration_id"])
			}
			if (tc.outcome == "fail") != (onceErr != nil) {
				t.Errorf("error %v for outcome %q", onceErr, tc.outcome)
			}
		})
	}
}

// Microsoft resolves a migration that failed after suspension: the simulator completes it or
// reverts it (the world chooses) after partnercenter.resolve, and plan follows: the completed one
// is recorded as ferry's own, the reverted one is migrated again with a new attempt.
func TestFailedSuspendedIsResolved(t *testing.T) {
	for _, resolution := range []string{"", ResolveRevert} {
		t.Run("resolution "+resolution, func(t *testing.T) {
			cust, legacy := rtID("c", 1), rtID("5", 1)
			w := rtOneSubWorld(cust, legacy)
			w.ResolveFailedSuspended = resolution
			if err := w.Validate(); err != nil {
				t.Fatal(err)
			}
			f := rtNewFixture(t, w, simkit.Behaviour{
				Faults: []simkit.Fault{{Operation: "partnercenter.CreateMigration", Outcome: simkit.OutcomeFailSuspended, Count: 1}},
				Durations: map[string]simkit.Duration{DurationMigration: simkit.Duration(20 * time.Millisecond),
					DurationResolve: simkit.Duration(150 * time.Millisecond)}})
			inst := rtInstance("x", cust, legacy)
			ch := f.planOne(t, inst, nil)
			ex := rtNewExecutor(nil, ch)
			if err := ex.run(context.Background(), f.p, ch); err == nil {
				t.Fatal("await succeeded")
			}
			if ch := f.planOne(t, inst, ex.res); ch.Action != model.ActionBlocked {
				t.Fatalf("before it is resolved: plan %s %q", ch.Action, ch.Reasons)
			}
			time.Sleep(200 * time.Millisecond)
			ch2 := f.planOne(t, inst, ex.res)
			switch resolution {
			case ResolveRevert:
				if ch2.Action != model.ActionCreate || ch2.Steps[0].Attempt != 2 {
					t.Fatalf("after the revert: plan %s %v %q, want a new attempt", ch2.Action, stepNames(ch2), ch2.Reasons)
				}
				if l := f.sim.World().Customers[0].Subscriptions[0]; l.Status != "active" {
					t.Errorf("legacy %s after the revert", l.Status)
				}
			default:
				if ch2.Action != model.ActionResume || strings.Join(stepNames(ch2), ",") != StepAwaitMigration ||
					strings.Contains(ch2.Summary, "not started by ferry") {
					t.Fatalf("after completion: plan %s %v %q %q", ch2.Action, stepNames(ch2), ch2.Summary, ch2.Reasons)
				}
				ex2 := rtNewExecutor(ex.res, ch2)
				if err := ex2.run(context.Background(), f.p, ch2); err != nil || ex2.res.Status != StatusMigrated {
					t.Fatalf("recording the completed migration: %v %s", err, ex2.res.Status)
				}
			}
			if got := f.stat("CreateMigration"); got != 1 {
				t.Errorf("CreateMigration calls %d, want 1", got)
			}
		})
	}
}

func TestWorldRejectsUnknownResolution(t *testing.T) {
	w := SimWorld{ResolveFailedSuspended: "retry"}
	if err := w.Validate(); err == nil || !strings.Contains(err.Error(), "resolve_failed_suspended") {
		t.Errorf("Validate: %v", err)
	}
}

// TestLostCreateIsLookedForUntilTheQueryShowsIt: the answer to a create is lost and the migration
// query shows a new migration only 300 ms after it started (behaviour.query_lag). Before, ferry
// looked twice a poll interval apart, found nothing, sent the create again (Partner Center refused
// it: the subscription was being migrated), looked again too soon and failed the change although
// its migration ran. Now it looks until the settle time has passed and finds it: one create.
func TestLostCreateIsLookedForUntilTheQueryShowsIt(t *testing.T) {
	cust, legacy := rtID("c", 1), rtID("5", 1)
	f := rtNewFixture(t, rtOneSubWorld(cust, legacy), simkit.Behaviour{
		QueryLag:  simkit.Duration(300 * time.Millisecond),
		Durations: map[string]simkit.Duration{DurationMigration: simkit.Duration(time.Hour)},
		Faults:    []simkit.Fault{{Operation: "partnercenter.CreateMigration", Status: 500, LostResponse: true, Count: 1}}})
	f.p.SettleTime = 500 * time.Millisecond
	ch := f.planOne(t, rtInstance("x", cust, legacy), nil)
	key := rtStepKey(ch.Steps[0])
	step := ch.Steps[0]
	step.Earlier = f.p.IntentIDs(step)
	out, err := f.p.Do(context.Background(), step, key, nil)
	if err != nil || out.RemoteIDs["migration_id"] == "" {
		t.Fatalf("Do = %+v, %v; want the migration found after the lost answer", out, err)
	}
	if got := f.stat("CreateMigration"); got != 1 {
		t.Errorf("CreateMigration calls %d, want 1", got)
	}
	if n := len(f.sim.World().Migrations); n != 1 {
		t.Errorf("%d migrations in the world, want 1", n)
	}
}

// TestResentCreateRefusedWhileTheQueryLagsKeepsTheIntent: a resumed create (its earlier send's
// answer lost, the query still not showing the migration) is refused because a migration of the
// subscription is in progress. That migration is most likely the step's own: the outcome is
// unknown (the intent stays and the next apply looks again), not a failure that forgets it.
func TestResentCreateRefusedWhileTheQueryLagsKeepsTheIntent(t *testing.T) {
	cust, legacy := rtID("c", 1), rtID("5", 1)
	f := rtNewFixture(t, rtOneSubWorld(cust, legacy), simkit.Behaviour{
		QueryLag:  simkit.Duration(time.Hour),
		Durations: map[string]simkit.Duration{DurationMigration: simkit.Duration(time.Hour)}})
	ch := f.planOne(t, rtInstance("x", cust, legacy), nil)
	key := rtStepKey(ch.Steps[0])
	step := ch.Steps[0]
	step.Earlier = f.p.IntentIDs(step)
	if _, err := f.p.Do(context.Background(), step, key, nil); err != nil {
		t.Fatal(err)
	}
	// The answer was lost with ferry (kill -9); the next apply's Reconcile does not see it yet.
	resumed := step
	resumed.IntentAt = time.Now()
	if _, found, err := f.p.Reconcile(context.Background(), resumed, key); found || err != nil {
		t.Fatalf("Reconcile while the query lags: found %v, %v", found, err)
	}
	_, err := f.p.Do(context.Background(), resumed, key, nil)
	if !errors.Is(err, model.ErrOutcomeUnknown) {
		t.Fatalf("resent create refused while the query lags: %v; want an unknown outcome (the intent kept)", err)
	}
	if n := len(f.sim.World().Migrations); n != 1 {
		t.Errorf("%d migrations in the world, want 1", n)
	}
}
