package partnercenter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/state"
)

// Steps and status of scheduled migrations.
const (
	// StepSchedule creates the migration schedule (mutating; keyed by externalReferenceId).
	StepSchedule = "schedule"
	// StepCancelSchedule cancels the recorded schedule (mutating; reconciled by the schedule's status).
	StepCancelSchedule = "cancel_schedule"
	// StatusScheduled means a schedule was created and has not turned into its migration yet.
	StatusScheduled = "scheduled"
	// StatusUnscheduled means the recorded schedule was cancelled and nothing was migrated.
	StatusUnscheduled = "unscheduled"
)

// scheduleRelevant reports whether planning the instance needs the customer's schedules.
func scheduleRelevant(r providers.ReadRequest) bool {
	if r.Instance.Subscription.Schedule != nil {
		return true
	}
	if prior := r.Prior; prior != nil {
		if prior.RemoteIDs["schedule_id"] != "" || prior.Status == StatusScheduled {
			return true
		}
		for _, name := range []string{StepSchedule, StepCancelSchedule} {
			if st := prior.Steps[name]; st != nil && st.Status != state.StepDone {
				return true
			}
		}
	}
	return false
}

// setSchedules indexes the customer's schedules by legacy subscription, newest first.
func (v *customerView) setSchedules(ss []MigrationSchedule) {
	v.schedulesRead = true
	v.schedulesOf = map[string][]MigrationSchedule{}
	for _, s := range ss {
		k := strings.ToLower(s.CurrentSubscriptionID)
		v.schedulesOf[k] = append([]MigrationSchedule{s}, v.schedulesOf[k]...)
	}
}

// scheduleInfo adds the schedules and co-term dates of one legacy subscription to l.
func (v *customerView) scheduleInfo(l *Live, k string) {
	l.SchedulesRead = v.schedulesRead
	l.Schedules = append([]MigrationSchedule(nil), v.schedulesOf[k]...)
	l.Coterm = v.coterm
}

// pendingSchedule is the legacy subscription's schedule still waiting for its date, or nil.
func (l *Live) pendingSchedule() *MigrationSchedule {
	for i := range l.Schedules {
		if l.Schedules[i].Pending() {
			return &l.Schedules[i]
		}
	}
	return nil
}

// scheduleByKey is the schedule created under the idempotency key by the intent journaled at intentAt.
func (l *Live) scheduleByKey(key string, intentAt time.Time) *MigrationSchedule {
	for i := range l.Schedules {
		s := &l.Schedules[i]
		if key != "" && s.ExternalReferenceID == key && (intentAt.IsZero() || s.CreatedTime == nil || !s.CreatedTime.Before(intentAt.Add(-keySkew))) {
			return s
		}
	}
	return nil
}

// migrationStarted reports whether a migration of the legacy subscription is under way or done
// (whoever started it: a schedule, ferry, or Microsoft): the usual plan then records or waits for it.
func migrationStarted(l *Live) bool {
	m := l.LatestMigration()
	return l.Successor != nil || m != nil && (m.Status == MigrationProcessing || m.Status == MigrationCompleted)
}

// planSchedule decides a subscription with a schedule block whose schedule exists or is being
// created; ok is false when the usual plan applies (no schedule yet, or its migration started).
func planSchedule(ch model.Change, desired model.Instance, prior *state.Resource, l *Live) (model.Change, bool) {
	s := desired.Subscription
	if s.Schedule == nil || migrationStarted(l) {
		return ch, false
	}
	legacyName := describeLegacy(s.MigrateFrom, l.Legacy)
	rec := priorStep(prior, StepSchedule)
	if rec != nil && rec.Status == state.StepIntent {
		// An interrupted create: keep the step at the same attempt, so the executor reconciles it by
		// its key (recording the schedule when Partner Center has it, sending it otherwise).
		ch.Action = model.ActionResume
		ch.Summary = fmt.Sprintf("resume the interrupted scheduling of the migration of %s %s (reconcile by key)", legacyName, s.Schedule)
		if found := l.scheduleByKey(rec.Key, rec.StartedAt); found != nil {
			ch.Summary = fmt.Sprintf("record schedule %s of %s (%s, %s), created by an interrupted apply", shortID(found.ID), legacyName, found.When(), found.Status)
		}
		ch.Steps = []model.Step{scheduleStep(desired, l, rec.Attempt)}
		ch.State = scheduledState(desired, nil)
		return ch, true
	}
	pending := l.pendingSchedule()
	if pending == nil {
		return ch, false
	}
	ch.Details = scheduleDetails(pending)
	if prior != nil && prior.Status == StatusScheduled && strings.EqualFold(prior.RemoteIDs["schedule_id"], pending.ID) {
		ch.Action = model.ActionNoop
		ch.Summary = fmt.Sprintf("%s scheduled for migration %s (schedule %s, %s)", legacyName, pending.When(), shortID(pending.ID), pending.Status)
		if want := s.Schedule.String(); want != pending.When() {
			ch.Reasons = []string{fmt.Sprintf("note: the spec now asks for the migration %s; ferry does not change a schedule: remove the schedule block and apply to cancel it, then add the new one", want)}
		}
		return ch, true
	}
	// A pending schedule ferry did not record (made outside ferry, or the state was lost): record it.
	ch.Action = model.ActionImport
	ch.Summary = fmt.Sprintf("record the existing schedule %s of %s (%s); nothing is sent", shortID(pending.ID), legacyName, pending.When())
	ch.State = scheduledState(desired, pending)
	return ch, true
}

// withScheduleCancel adds the cancel of the recorded, still pending schedule in front of the plan
// of a subscription whose schedule block was removed (or resumes an interrupted cancel).
func withScheduleCancel(ch model.Change, desired model.Instance, prior *state.Resource, l *Live) model.Change {
	if desired.Subscription.Schedule != nil || l == nil || l.ReadErr != nil || prior == nil {
		return ch
	}
	id := prior.RemoteIDs["schedule_id"]
	rec := priorStep(prior, StepCancelSchedule)
	interrupted := rec != nil && rec.Status == state.StepIntent
	var pending *MigrationSchedule
	for i := range l.Schedules {
		if strings.EqualFold(l.Schedules[i].ID, id) && l.Schedules[i].Pending() {
			pending = &l.Schedules[i]
		}
	}
	if id == "" || pending == nil && !interrupted {
		return ch
	}
	attempt := attemptOf(rec, 0) + 1
	if interrupted {
		attempt = rec.Attempt
	}
	cancel := model.Step{
		Addr: desired.Addr, Provider: ProviderName, Name: StepCancelSchedule, Mutating: true, Attempt: attempt,
		Description: fmt.Sprintf("cancel migration schedule %s of %s", shortID(id), shortID(desired.Subscription.MigrateFrom)),
		Params: encodeParams(StepParams{CustomerID: desired.Subscription.CustomerID,
			LegacySubscriptionID: desired.Subscription.MigrateFrom, ScheduleID: id}),
	}
	what := "the scheduled migration"
	if pending != nil {
		what += " " + pending.When()
	}
	switch ch.Action {
	case model.ActionCreate, model.ActionResume:
		ch.Summary = fmt.Sprintf("cancel %s (schedule %s), then %s", what, shortID(id), ch.Summary)
		ch.Steps = append([]model.Step{cancel}, ch.Steps...)
	default:
		reasons := ch.Reasons
		if ch.Action == model.ActionBlocked {
			reasons = append([]string{"no migration is started after the cancel: " + ch.Summary}, reasons...)
		}
		ch.Action = model.ActionUpdate
		ch.Summary = fmt.Sprintf("cancel %s of %s (schedule %s): the spec no longer has a schedule block",
			what, describeLegacy(desired.Subscription.MigrateFrom, l.Legacy), shortID(id))
		ch.Reasons = reasons
		ch.Steps = []model.Step{cancel}
		st := migratedState(desired)
		st.Status = StatusUnscheduled
		ch.State = st
	}
	return ch
}

// scheduleDetails are the plan's detail lines of an existing schedule.
func scheduleDetails(s *MigrationSchedule) []model.Detail {
	d := []model.Detail{{Name: "schedule", New: s.ID}, {Name: "status", New: s.Status}, {Name: "when", New: s.When()}}
	if s.ErrorDescription != "" {
		d = append(d, model.Detail{Name: "error", New: s.ErrorDescription})
	}
	return d
}

// scheduleStep creates the schedule of the desired subscription.
func scheduleStep(desired model.Instance, l *Live, attempt int) model.Step {
	s := desired.Subscription
	req := buildRequest(s, l)
	sch := MigrationSchedule{
		CurrentSubscriptionID: req.CurrentSubscriptionID, Quantity: req.Quantity, TermDuration: req.TermDuration,
		BillingCycle: req.BillingCycle, PurchaseFullTerm: req.PurchaseFullTerm, CustomTermEndDate: req.CustomTermEndDate,
	}
	if s.Schedule.OnRenewal {
		t := true
		sch.MigrateOnRenewal = &t
	} else {
		sch.TargetDate, _ = parseDate(s.Schedule.Date)
	}
	for _, a := range req.AddOnMigrations {
		sch.AddOnMigrationSchedules = append(sch.AddOnMigrationSchedules, MigrationSchedule{CurrentSubscriptionID: a.CurrentSubscriptionID,
			Quantity: a.Quantity, TermDuration: a.TermDuration, BillingCycle: a.BillingCycle, PurchaseFullTerm: a.PurchaseFullTerm,
			CustomTermEndDate: a.CustomTermEndDate})
	}
	return model.Step{
		Addr: desired.Addr, Provider: ProviderName, Name: StepSchedule, Mutating: true, Attempt: attempt,
		Description: fmt.Sprintf("schedule the New Commerce migration of %s %s", describeLegacy(s.MigrateFrom, l.Legacy), s.Schedule),
		Params:      encodeParams(StepParams{CustomerID: s.CustomerID, LegacySubscriptionID: req.CurrentSubscriptionID, Schedule: &sch}),
	}
}

// planScheduleCreate is the plan of an eligible subscription whose migration is to be scheduled.
func planScheduleCreate(ch model.Change, desired model.Instance, l *Live, attempt int, reasons []string) model.Change {
	s := desired.Subscription
	ch.Action = model.ActionCreate
	ch.Summary = fmt.Sprintf("schedule the migration of %s %s", describeLegacy(s.MigrateFrom, l.Legacy), s.Schedule)
	req := buildRequest(s, l)
	ch.Details = createDetails(s, l, &req)
	ch.Reasons = reasons
	ch.Steps = []model.Step{scheduleStep(desired, l, attempt)}
	ch.State = scheduledState(desired, nil)
	return ch
}

// scheduledState is the state entry of a scheduled subscription (sch: an existing schedule to record).
func scheduledState(desired model.Instance, sch *MigrationSchedule) *state.Resource {
	st := migratedState(desired)
	st.Status = StatusScheduled
	if sch != nil {
		st.RemoteIDs["schedule_id"] = sch.ID
		st.Attributes = map[string]string{"schedule_status": sch.Status, "schedule": sch.When()}
	}
	return st
}

// termEndProblems checks the custom term end dates of the spec against Microsoft's rule.
func termEndProblems(s *model.Subscription, l *Live, now time.Time) []string {
	var r []string
	check := func(what, date, term string) {
		t, err := parseDate(date)
		if err != nil || t == nil {
			return
		}
		if code, desc := customTermEndProblem(*t, now, term, l.Coterm); code != 0 {
			r = append(r, fmt.Sprintf("%s%s (%d): %s", what, EligibilityCodeName(code), code, desc))
		}
	}
	check("", s.CustomTermEndDate, s.TermDuration)
	for _, a := range s.Addons {
		check("add-on "+a.MigrateFrom+": ", a.CustomTermEndDate, a.TermDuration)
	}
	if s.Schedule != nil && s.Schedule.Date != "" {
		if t, err := parseDate(s.Schedule.Date); err == nil && !dateOnly(*t).After(dateOnly(now)) {
			r = append(r, fmt.Sprintf("the schedule's date %s is not in the future", s.Schedule.Date))
		}
	}
	return r
}

// doSchedule creates the schedule once under key (externalReferenceId and MS-RequestId), looking it
// up by the key when the answer was lost.
func (p *Provider) doSchedule(ctx context.Context, step model.Step, params StepParams, key string, progress func(model.Event)) (model.Outcome, error) {
	if params.Schedule == nil {
		return model.Outcome{}, fmt.Errorf("step %s of %s: parameters lack the schedule", step.Name, step.Addr)
	}
	sch := *params.Schedule
	sch.ExternalReferenceID = key
	sentAt := time.Now()
	created, err := p.client.CreateSchedule(ctx, params.CustomerID, sch, key)
	if err == nil {
		out := scheduleOutcome(created)
		progress(model.Event{Addr: step.Addr, Step: step.Name, Message: "migration scheduled " + created.When(), RemoteIDs: out.RemoteIDs})
		return out, nil
	}
	var unknown *UnknownOutcomeError
	if !errors.As(err, &unknown) && !IsConflict(err) {
		return model.Outcome{}, fmt.Errorf("scheduling the migration of legacy subscription %s: %w", params.LegacySubscriptionID, err)
	}
	out, found, rerr := p.reconcileSchedule(ctx, params, key, sentAt)
	if rerr == nil && found {
		progress(model.Event{Addr: step.Addr, Step: step.Name, Message: "schedule found by its key after a lost or refused answer", RemoteIDs: out.RemoteIDs})
		return out, nil
	}
	if IsConflict(err) {
		return model.Outcome{}, fmt.Errorf("scheduling the migration of legacy subscription %s: it already has a schedule or a migration; re-run plan: %w", params.LegacySubscriptionID, err)
	}
	return model.Outcome{}, fmt.Errorf("scheduling the migration of legacy subscription %s: %w (%v)", params.LegacySubscriptionID, model.ErrOutcomeUnknown, err)
}

func scheduleOutcome(s *MigrationSchedule) model.Outcome {
	return model.Outcome{
		RemoteIDs:  map[string]string{"schedule_id": s.ID},
		Attributes: map[string]string{"schedule_status": s.Status, "schedule": s.When()},
		Status:     StatusScheduled,
	}
}

// reconcileSchedule finds the schedule an interrupted schedule step created: the query by
// CurrentSubscriptionId (and customer), matched on externalReferenceId = key, created after the intent.
func (p *Provider) reconcileSchedule(ctx context.Context, params StepParams, key string, intentAt time.Time) (model.Outcome, bool, error) {
	ss, err := p.client.ListSchedules(ctx, ScheduleQuery{CustomerTenantID: params.CustomerID, CurrentSubscriptionID: params.LegacySubscriptionID})
	if err != nil {
		return model.Outcome{}, false, fmt.Errorf("looking up the schedules of %s: %w", params.LegacySubscriptionID, err)
	}
	l := &Live{}
	for i := len(ss) - 1; i >= 0; i-- {
		l.Schedules = append(l.Schedules, ss[i])
	}
	if s := l.scheduleByKey(key, intentAt); s != nil {
		return scheduleOutcome(s), true, nil
	}
	return model.Outcome{}, false, nil
}

// doCancelSchedule cancels the recorded schedule; one already cancelled counts as done.
func (p *Provider) doCancelSchedule(ctx context.Context, step model.Step, params StepParams, key string) (model.Outcome, error) {
	s, err := p.client.CancelSchedule(ctx, params.CustomerID, params.ScheduleID, key)
	if err != nil {
		if out, found, rerr := p.reconcileCancel(ctx, params); rerr == nil && found {
			return out, nil
		}
		if IsUnknownOutcome(err) {
			return model.Outcome{}, fmt.Errorf("cancelling schedule %s: %w (%v)", params.ScheduleID, model.ErrOutcomeUnknown, err)
		}
		return model.Outcome{}, fmt.Errorf("cancelling schedule %s of legacy subscription %s: %w", params.ScheduleID, params.LegacySubscriptionID, err)
	}
	return cancelOutcome(s), nil
}

func cancelOutcome(s *MigrationSchedule) model.Outcome {
	return model.Outcome{RemoteIDs: map[string]string{"schedule_id": s.ID},
		Attributes: map[string]string{"schedule_status": s.Status}, Status: StatusUnscheduled}
}

// reconcileCancel reports the cancel done when the schedule shows Canceled.
func (p *Provider) reconcileCancel(ctx context.Context, params StepParams) (model.Outcome, bool, error) {
	ss, err := p.client.ListSchedules(ctx, ScheduleQuery{CustomerTenantID: params.CustomerID, CurrentSubscriptionID: params.LegacySubscriptionID})
	if err != nil {
		return model.Outcome{}, false, err
	}
	for i := range ss {
		if strings.EqualFold(ss[i].ID, params.ScheduleID) && strings.EqualFold(ss[i].Status, ScheduleCanceled) {
			return cancelOutcome(&ss[i]), true, nil
		}
	}
	return model.Outcome{}, false, nil
}
