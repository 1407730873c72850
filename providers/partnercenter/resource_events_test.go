package partnercenter

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers/simkit"
)

// startMigration plans one instance, runs its create step and returns the wait of its await step.
func startMigration(t *testing.T, f *rtFixture, customer, legacy string) model.Wait {
	t.Helper()
	inst := rtInstance(legacy, customer, legacy)
	ch := f.planOne(t, inst, nil)
	if len(ch.Steps) != 2 || ch.Steps[0].Name != StepMigrate {
		t.Fatalf("steps: %+v", ch.Steps)
	}
	out, err := f.p.Do(context.Background(), ch.Steps[0], rtStepKey(ch.Steps[0]), func(model.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	await := ch.Steps[1]
	await.Earlier = out.RemoteIDs
	return model.Wait{Addr: inst.Addr, Step: await, Due: true}
}

// The watcher's batched reads turn the migration events into progress: while the migration is
// processing, one events read per customer and read; the wait's message follows its latest event
// ("New Commerce subscription created"), and it ends with the migration.
func TestWatchShowsMigrationEvents(t *testing.T) {
	cust, legacy := rtID("c", 1), rtID("a", 1)
	w := SimWorld{Catalog: rtCatalog(), Customers: []SimCustomer{{ID: cust, Domain: "contoso.onmicrosoft.com",
		Subscriptions: []Subscription{rtLegacySub(legacy, rtOfferE3, 5)}}}}
	f := rtNewFixture(t, w, simkit.Behaviour{Durations: map[string]simkit.Duration{DurationMigration: simkit.Duration(300 * time.Millisecond)}})
	wait := startMigration(t, f, cust, legacy)

	var messages []string
	rounds := 0
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the migration did not end; messages %q", messages)
		}
		rounds++
		st, err := f.p.Status(context.Background(), []model.Wait{wait})
		if err != nil {
			t.Fatal(err)
		}
		s := st[wait.Addr]
		if s.Done {
			if s.Err != nil || s.Outcome.RemoteIDs["new_subscription_id"] == "" {
				t.Fatalf("outcome %+v, err %v", s.Outcome, s.Err)
			}
			break
		}
		if len(messages) == 0 || messages[len(messages)-1] != s.Message {
			messages = append(messages, s.Message)
		}
	}
	if !strings.Contains(strings.Join(messages, "|"), "New Commerce subscription created") {
		t.Errorf("messages %q lack the created event", messages)
	}
	if got := f.stat("ListMigrationEvents"); got == 0 || got >= int64(rounds) {
		t.Errorf("%d events reads in %d rounds: want some, and none on the round the migration was done", got, rounds)
	}
}

// A customer whose events read is refused (the conceptual page asks for a migration or
// subscription ID) is not asked again in the run; progress goes on without events.
func TestWatchEventsRefusedOnce(t *testing.T) {
	cust, legacy := rtID("c", 2), rtID("a", 2)
	w := SimWorld{Catalog: rtCatalog(), Customers: []SimCustomer{{ID: cust, Domain: "contoso.onmicrosoft.com",
		Subscriptions: []Subscription{rtLegacySub(legacy, rtOfferE3, 5)}}}}
	f := rtNewFixture(t, w, simkit.Behaviour{Durations: map[string]simkit.Duration{DurationMigration: simkit.Duration(time.Hour)}})
	refused := 0
	inner := f.sim.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/newcommerce/events") {
			refused++
			rw.Header().Set("Content-Type", "application/json")
			rw.WriteHeader(http.StatusBadRequest)
			_, _ = rw.Write([]byte(`{"code":600002,"description":"MigrationId or CurrentSubscriptionId is required.","data":[],"source":"PartnerFD"}`))
			return
		}
		inner.ServeHTTP(rw, r)
	}))
	defer srv.Close()
	c, err := NewClient(ClientConfig{BaseURL: srv.URL + "/v1", HTTPClient: srv.Client(), Limits: NoLimits()})
	if err != nil {
		t.Fatal(err)
	}
	f.p.client = c
	wait := startMigration(t, f, cust, legacy)
	for range 3 {
		st, err := f.p.Status(context.Background(), []model.Wait{wait})
		if err != nil {
			t.Fatal(err)
		}
		if s := st[wait.Addr]; s.Done || !strings.HasPrefix(s.Message, "migrating (") {
			t.Fatalf("status %+v", s)
		}
	}
	if refused != 1 {
		t.Errorf("events asked %d times after a refusal, want once", refused)
	}
}

// The simulator's events follow a migration: none before halfway, Created then, Provisioned when
// it completes; a bare array filtered by migration_id.
func TestSimMigrationEvents(t *testing.T) {
	cust, legacy := rtID("c", 3), rtID("a", 3)
	w := SimWorld{Catalog: rtCatalog(), Customers: []SimCustomer{{ID: cust, Domain: "contoso.onmicrosoft.com",
		Subscriptions: []Subscription{rtLegacySub(legacy, rtOfferE3, 5)}}}}
	f := rtNewFixture(t, w, simkit.Behaviour{Durations: map[string]simkit.Duration{DurationMigration: simkit.Duration(200 * time.Millisecond)}})
	wait := startMigration(t, f, cust, legacy)
	mid := wait.Step.Earlier["migration_id"]
	names := func() []string {
		evs, err := f.p.client.ListMigrationEvents(context.Background(), cust, EventQuery{MigrationID: mid})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range evs {
			if e.NewCommerceMigrationID != mid || e.ID == "" || e.CreatedTime == nil || !strings.EqualFold(e.CustomerTenantID, cust) {
				t.Errorf("event %+v", e)
			}
			out = append(out, e.EventName)
		}
		return out
	}
	if got := names(); len(got) != 0 {
		t.Errorf("at once: %v", got)
	}
	time.Sleep(350 * time.Millisecond)
	if got := strings.Join(names(), ","); got != EventSubscriptionCreated+","+EventSubscriptionProvisioned {
		t.Errorf("after completion: %s", got)
	}
	if evs, err := f.p.client.ListMigrationEvents(context.Background(), cust, EventQuery{MigrationID: rtID("f", 9)}); err != nil || len(evs) != 0 {
		t.Errorf("another migration's events: %v, %v", evs, err)
	}
}

// The documented events answer decodes, and the simulator's events carry exactly its keys.
func TestMigrationEventsFixture(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "migration_events.json"))
	if err != nil {
		t.Fatal(err)
	}
	evs, _, err := decodeMigrationEvents(OpListMigrationEvents, raw)
	if err != nil || len(evs) != 2 || evs[0].EventName != EventSubscriptionCreated || evs[1].CreatedTime == nil || evs[1].NewCommerceMigrationID == "" {
		t.Fatalf("decoded %+v, %v", evs, err)
	}
	if eventMessage(evs[0].EventName) != "New Commerce subscription created" || eventMessage(evs[1].EventName) != "New Commerce subscription provisioned" {
		t.Errorf("messages %q, %q", eventMessage(evs[0].EventName), eventMessage(evs[1].EventName))
	}
	var doc []map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	b, _ := json.Marshal(simEventWire{ID: "x", NewCommerceMigrationID: "m", CurrentSubscriptionID: "s", CustomerTenantID: "c", EventName: "e", CreatedTime: &now})
	var sim map[string]any
	_ = json.Unmarshal(b, &sim)
	if !slices.Equal(slices.Sorted(maps.Keys(doc[0])), slices.Sorted(maps.Keys(sim))) {
		t.Errorf("simulator keys %v, documented %v", slices.Sorted(maps.Keys(sim)), slices.Sorted(maps.Keys(doc[0])))
	}
}
