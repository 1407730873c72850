package partnercenter

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers/simkit"
	"github.com/ferry-dev/ferry/state"
)

func schedBehaviour(d time.Duration) simkit.Behaviour {
	return simkit.Behaviour{Durations: map[string]simkit.Duration{
		DurationMigration: simkit.Duration(40 * time.Millisecond), DurationSchedule: simkit.Duration(d)}}
}

// A schedule is created once, a crash after the send is reconciled by its key, a pending schedule
// plans no change, and when it turns into its migration the plan waits for and records that
// migration without creating another.
func TestScheduleCreatedOnceAndFollowed(t *testing.T) {
	cust, legacy := rtID("c", 1), rtID("5", 1)
	f := rtNewFixture(t, rtOneSubWorld(cust, legacy), schedBehaviour(300*time.Millisecond))
	inst := rtInstance("x", cust, legacy)
	inst.Subscription.Schedule = &model.Schedule{OnRenewal: true}
	ch := f.planOne(t, inst, nil)
	if ch.Action != model.ActionCreate || strings.Join(stepNames(ch), ",") != StepSchedule || !strings.Contains(ch.Summary, "on renewal") {
		t.Fatalf("plan: %s %q %v", ch.Action, ch.Summary, stepNames(ch))
	}
	step := ch.Steps[0]
	key := rtStepKey(step)
	// Sent, then killed before the outcome was journaled.
	if _, err := f.p.Do(context.Background(), step, key, nil); err != nil {
		t.Fatal(err)
	}
	prior := &state.Resource{Addr: string(inst.Addr), Kind: inst.Kind, Provider: ProviderName, Status: state.StatusInProgress,
		Steps: map[string]*state.StepRecord{StepSchedule: {Key: key, Attempt: step.Attempt, Status: state.StepIntent}}}
	ch2 := f.planOne(t, inst, prior)
	if ch2.Action != model.ActionResume || rtStepKey(ch2.Steps[0]) != key {
		t.Fatalf("resume plan: %s %q", ch2.Action, ch2.Summary)
	}
	ex := rtNewExecutor(prior, ch2)
	if err := ex.run(context.Background(), f.p, ch2); err != nil {
		t.Fatal(err)
	}
	if got := f.stat("CreateMigrationSchedule"); got != 1 {
		t.Fatalf("CreateMigrationSchedule calls %d, want 1", got)
	}
	if ex.res.Status != StatusScheduled || ex.res.RemoteIDs["schedule_id"] == "" {
		t.Fatalf("state %+v", ex.res)
	}
	// Pending: nothing to do.
	if ch := f.planOne(t, inst, ex.res); ch.Action != model.ActionNoop || !strings.Contains(ch.Summary, "scheduled for migration on renewal") {
		t.Fatalf("pending plan: %s %q", ch.Action, ch.Summary)
	}
	time.Sleep(350 * time.Millisecond)
	ch3 := f.planOne(t, inst, ex.res)
	if ch3.Action != model.ActionResume || strings.Join(stepNames(ch3), ",") != StepAwaitMigration {
		t.Fatalf("plan after the schedule's time: %s %q %v", ch3.Action, ch3.Summary, stepNames(ch3))
	}
	ex2 := rtNewExecutor(ex.res, ch3)
	if err := ex2.run(context.Background(), f.p, ch3); err != nil {
		t.Fatal(err)
	}
	if ex2.res.Status != StatusMigrated || ex2.res.RemoteIDs["new_subscription_id"] == "" {
		t.Fatalf("state after the migration: %+v", ex2.res)
	}
	if ch := f.planOne(t, inst, ex2.res); ch.Action != model.ActionNoop {
		t.Fatalf("final plan: %s %q", ch.Action, ch.Summary)
	}
	if got := f.stat("CreateMigration"); got != 0 {
		t.Errorf("CreateMigration calls %d, want 0 (the schedule creates the migration)", got)
	}
}

// Removing the schedule block cancels the recorded schedule, exactly once, then migrates.
func TestScheduleRemovedIsCancelled(t *testing.T) {
	cust, legacy := rtID("c", 2), rtID("5", 2)
	f := rtNewFixture(t, rtOneSubWorld(cust, legacy), schedBehaviour(time.Hour))
	inst := rtInstance("x", cust, legacy)
	inst.Subscription.Schedule = &model.Schedule{Date: time.Now().AddDate(0, 1, 0).Format(time.DateOnly)}
	ch := f.planOne(t, inst, nil)
	ex := rtNewExecutor(nil, ch)
	if err := ex.run(context.Background(), f.p, ch); err != nil {
		t.Fatal(err)
	}
	inst.Subscription.Schedule = nil
	ch2 := f.planOne(t, inst, ex.res)
	if got := strings.Join(stepNames(ch2), ","); got != "cancel_schedule,migrate,await_migration" || !strings.HasPrefix(ch2.Summary, "cancel the scheduled migration on ") {
		t.Fatalf("plan without the block: %s %q %v", ch2.Action, ch2.Summary, got)
	}
	// Killed after the cancel was sent: the next run finds it cancelled and sends nothing again.
	cancel := ch2.Steps[0]
	if _, err := f.p.Do(context.Background(), cancel, rtStepKey(cancel), nil); err != nil {
		t.Fatal(err)
	}
	if _, found, err := f.p.Reconcile(context.Background(), cancel, rtStepKey(cancel)); err != nil || !found {
		t.Fatalf("reconcile cancel: %v %v", found, err)
	}
	ex.res.Steps[StepCancelSchedule] = &state.StepRecord{Key: rtStepKey(cancel), Attempt: cancel.Attempt, Status: state.StepIntent}
	ch3 := f.planOne(t, inst, ex.res)
	ex2 := rtNewExecutor(ex.res, ch3)
	if err := ex2.run(context.Background(), f.p, ch3); err != nil {
		t.Fatal(err)
	}
	if got := f.stat("CancelMigrationSchedule"); got != 1 {
		t.Errorf("CancelMigrationSchedule calls %d, want 1", got)
	}
	if ex2.res.Status != StatusMigrated || f.stat("CreateMigration") != 1 {
		t.Errorf("state %+v, creates %d", ex2.res, f.stat("CreateMigration"))
	}
}

// A custom term end date that is neither a month end nor an existing subscription's end date is
// blocked at plan time with Microsoft's code; the simulator refuses it the same way.
func TestCustomTermEndDate(t *testing.T) {
	cust, legacy := rtID("c", 3), rtID("5", 3)
	w := rtOneSubWorld(cust, legacy)
	nceEnd := time.Now().UTC().AddDate(0, 5, 0)
	nceEnd = time.Date(nceEnd.Year(), nceEnd.Month(), 17, 0, 0, 0, 0, time.UTC)
	w.Customers[0].Subscriptions = append(w.Customers[0].Subscriptions, Subscription{ID: rtID("6", 3), OfferID: rtCatalogE3,
		Quantity: 1, Status: "active", BillingCycle: "monthly", TermDuration: "P1Y", CommitmentEndDate: &nceEnd})
	f := rtNewFixture(t, w, simkit.Behaviour{})
	inst := rtInstance("x", cust, legacy)
	next := time.Now().UTC().AddDate(0, 2, 0)
	monthEnd := time.Date(next.Year(), next.Month()+1, 0, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		date string
		want string
	}{
		{monthEnd.Format(time.DateOnly), ""},
		{nceEnd.Format(time.DateOnly), ""},
		{nceEnd.AddDate(0, 0, 1).Format(time.DateOnly), "CustomTermEndDateNotAligned (12)"},
		{"2020-01-31", "InvalidCustomTermEndDate (11)"},
	} {
		inst.Subscription.CustomTermEndDate = tc.date
		ch := f.planOne(t, inst, nil)
		reasons := strings.Join(ch.Reasons, "\n")
		if tc.want == "" && ch.Action != model.ActionCreate || tc.want != "" && (ch.Action != model.ActionBlocked || !strings.Contains(reasons, tc.want)) {
			t.Errorf("%s: %s %q", tc.date, ch.Action, reasons)
		}
		if tc.want == "" {
			if p := mustParams(t, ch.Steps[0]); p.Request.CustomTermEndDate == nil || p.Request.CustomTermEndDate.Format(time.DateOnly) != tc.date {
				t.Errorf("%s: request carries %v", tc.date, p.Request.CustomTermEndDate)
			}
		}
	}
	end := nceEnd.AddDate(0, 0, 1)
	v, err := f.p.client.ValidateMigration(context.Background(), cust, MigrationRequest{CurrentSubscriptionID: legacy, CustomTermEndDate: &end})
	if err != nil || v.IsEligible || len(v.Errors) == 0 || v.Errors[0].Code != eligCustomTermEndDateAlign {
		t.Errorf("simulator: %+v %v", v, err)
	}
}

// An add-on whose base is not migrated plans and applies as a migration of its own.
func TestAddonMigratedAlone(t *testing.T) {
	cust, base, addon := rtID("c", 4), rtID("5", 4), rtID("a", 4)
	w := rtOneSubWorld(cust, base)
	w.Customers[0].Subscriptions = append(w.Customers[0].Subscriptions, rtAddonSub(addon, base, rtOfferAudio, 5))
	f := rtNewFixture(t, w, simkit.Behaviour{})
	inst := rtInstance("addon", cust, addon)
	ch := f.planOne(t, inst, nil)
	if ch.Action != model.ActionCreate {
		t.Fatalf("plan: %s %q %q", ch.Action, ch.Summary, ch.Reasons)
	}
	ex := rtNewExecutor(nil, ch)
	if err := ex.run(context.Background(), f.p, ch); err != nil {
		t.Fatal(err)
	}
	if ex.res.Status != StatusMigrated || f.stat("CreateMigration") != 1 {
		t.Fatalf("state %+v", ex.res)
	}
	if ch := f.planOne(t, inst, ex.res); ch.Action != model.ActionNoop {
		t.Errorf("next plan: %s %q", ch.Action, ch.Summary)
	}
}

// A P1M term cannot be co-termed more than a month out: plan blocks it with Microsoft's code 11
// and the simulator refuses it the same way; a P1Y term may be co-termed that far.
func TestCustomTermEndBeyondTheTerm(t *testing.T) {
	cust, legacy := rtID("c", 5), rtID("5", 5)
	f := rtNewFixture(t, rtOneSubWorld(cust, legacy), simkit.Behaviour{})
	next := time.Now().UTC().AddDate(0, 3, 0)
	monthEnd := time.Date(next.Year(), next.Month()+1, 0, 0, 0, 0, 0, time.UTC) // 3–4 months out
	inst := rtInstance("x", cust, legacy)
	inst.Subscription.CustomTermEndDate = monthEnd.Format(time.DateOnly)
	inst.Subscription.TermDuration = "P1M"
	ch := f.planOne(t, inst, nil)
	if reasons := strings.Join(ch.Reasons, "\n"); ch.Action != model.ActionBlocked || !strings.Contains(reasons, "InvalidCustomTermEndDate (11)") || !strings.Contains(reasons, "P1M") {
		t.Errorf("P1M co-termed %s: %s %q", monthEnd.Format(time.DateOnly), ch.Action, reasons)
	}
	v, err := f.p.client.ValidateMigration(context.Background(), cust, MigrationRequest{CurrentSubscriptionID: legacy, TermDuration: "P1M", BillingCycle: "Monthly", CustomTermEndDate: &monthEnd})
	if err != nil || v.IsEligible || len(v.Errors) == 0 || v.Errors[0].Code != eligInvalidCustomTermEndDate {
		t.Errorf("simulator, P1M: %+v %v", v, err)
	}
	inst.Subscription.TermDuration = "P1Y"
	if ch := f.planOne(t, inst, nil); ch.Action != model.ActionCreate {
		t.Errorf("P1Y co-termed %s: %s %q", monthEnd.Format(time.DateOnly), ch.Action, ch.Reasons)
	}
}
