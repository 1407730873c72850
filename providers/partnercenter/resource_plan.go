package partnercenter

import (
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/state"
)

// blockedFailedSuspended is the reason a failed migration whose legacy subscription is already
// suspended is never retried (DESIGN §5).
const blockedFailedSuspended = "Microsoft completes or reverts a failed migration whose legacy subscription is suspended within 72 h; ferry will not retry"

// Plan turns the desired subscription, its state entry and what Read found into a Change. It makes
// no remote calls. The decisions, in order:
//
//   - import (ImportID set, nothing in state): ActionImport with no steps when the New Commerce
//     subscription matches the spec, else error diagnostics per differing attribute;
//   - already migrated (a successor subscription or a Completed migration): ActionNoop when the
//     state says so; otherwise ActionResume with the single non-mutating step await_migration,
//     which finds the finished migration and records its result in state (so a crash after
//     completion, or a migration done outside ferry, is recorded, never repeated);
//   - a migration Processing: ActionResume with await_migration — never a second migration;
//   - an intent for migrate with no outcome: ActionResume with migrate at the same attempt (the
//     executor reconciles by key before sending, so a migration already created under the key is
//     recorded, not repeated) and await_migration — unless the migration under the key Failed;
//   - the last migration Failed: a new attempt (new key) when the legacy subscription is still
//     active and eligible; ActionBlocked when it is already suspended;
//   - legacy subscription missing: an error diagnostic at migrate_from (a mistake in the spec, not a
//     refusal of Partner Center), marked providers.Unreadable so the planner leaves it out;
//   - legacy subscription not active, an add-on that is not an add-on of this base, or
//     not eligible: ActionBlocked with the reasons (the API's own `code: description` lines);
//   - otherwise ActionCreate: migrate, then await_migration.
func (p *Provider) Plan(desired model.Instance, prior *state.Resource, live providers.Live) (model.Change, hcl.Diagnostics) {
	ch, diags := p.planMigration(desired, prior, live)
	if l, _ := live.(*Live); !diags.HasErrors() && desired.Subscription != nil {
		ch = withScheduleCancel(ch, desired, prior, l)
	}
	return ch, diags
}

// planMigration is Plan without the cancel of a schedule that was removed from the spec.
func (p *Provider) planMigration(desired model.Instance, prior *state.Resource, live providers.Live) (model.Change, hcl.Diagnostics) {
	ch := model.Change{
		Addr:      desired.Addr,
		Kind:      model.KindSubscription,
		Provider:  ProviderName,
		DependsOn: desired.DependsOn,
	}
	if d := checkInstance(desired); d != nil {
		return ch, hcl.Diagnostics{d}
	}
	l, _ := live.(*Live)
	if l == nil {
		return ch, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "No Partner Center data for subscription",
			Detail:   fmt.Sprintf("%s was not read from Partner Center (see the errors above); it cannot be planned.", desired.Addr),
			Subject:  rangePtr(desired.DeclRange),
		}}
	}
	s := desired.Subscription
	if l.ReadErr != nil {
		return blocked(ch, "could not be read from Partner Center", l.ReadErr.Error()+"; plan again once Partner Center answers"), nil
	}
	if desired.ImportID != "" && prior == nil {
		return planImport(ch, desired, l)
	}
	if reasons := identityChanged(desired, prior); len(reasons) > 0 {
		return blocked(ch, fmt.Sprintf("the spec no longer describes what %s recorded", desired.Addr), reasons...), nil
	}
	if prior != nil && prior.Status == state.StatusImported {
		ch.Action = model.ActionNoop
		ch.Summary = fmt.Sprintf("imported New Commerce subscription %s", shortID(prior.RemoteIDs["subscription_id"]))
		return ch, nil
	}
	if sch, ok := planSchedule(ch, desired, prior, l); ok {
		return sch, nil
	}

	legacyName := describeLegacy(s.MigrateFrom, l.Legacy)
	latest := l.LatestMigration()
	rec := priorStep(prior, StepMigrate)
	migrated := prior != nil && prior.Status == StatusMigrated
	// A migrated entry that does not say which customer and legacy subscription it migrated (left by
	// an apply killed between a wait's outcome and its state entry, before ferry journaled both in one
	// record) cannot be trusted to describe this spec: it is repaired from what Partner Center shows
	// (recorded again when the migration is there), never taken as proof that this one was migrated.
	partial := migrated && incompleteEntry(prior)
	if partial {
		migrated = false
	}

	// An interrupted migrate whose migration Partner Center shows under its batch id (or, for an
	// older intent, its key): keep the step at the same attempt so the executor reconciles it (recording the migration id, sending
	// nothing), then wait.
	if rec != nil && rec.Status == state.StepIntent {
		if m := l.migrationOfIntent(rec); m != nil && m.Status != MigrationFailed {
			params := awaitParams(s, l)
			params.MigrationID = m.ID
			req := buildRequest(s, l)
			ch.Action = model.ActionResume
			ch.Summary = fmt.Sprintf("resume the interrupted migration of %s: migration %s was created (%s); record it and wait", legacyName, shortID(m.ID), m.Status)
			ch.Details = migrationDetails(m)
			ch.Steps = []model.Step{migrateStep(desired, l, req, rec.Attempt), awaitStep(desired, params, rec.Attempt)}
			ch.State = migratedState(desired)
			return ch, nil
		}
	}

	// Already migrated.
	if l.Successor != nil || (latest != nil && latest.Status == MigrationCompleted) {
		if migrated {
			ch.Action = model.ActionNoop
			ch.Summary = fmt.Sprintf("%s migrated to New Commerce subscription %s", legacyName, shortID(prior.RemoteIDs["new_subscription_id"]))
			ch.State = refreshedState(desired, l.Successor)
			ch.Reasons = drift(s, l.Successor)
			return ch, nil
		}
		params := awaitParams(s, l)
		if latest != nil && latest.Status == MigrationCompleted {
			params.MigrationID = latest.ID
		}
		ch.Action = model.ActionResume
		ch.Summary = fmt.Sprintf("record the completed migration of %s", legacyName)
		if l.Successor != nil {
			ch.Summary += fmt.Sprintf(" → %s", shortID(l.Successor.ID))
			ch.Details = successorDetails(l.Successor)
		}
		ch.Reasons = []string{"the legacy subscription is already migrated but the state does not record it (an interrupted apply); nothing is sent, the result is recorded"}
		if rec != nil && rec.Status == state.StepDone && rec.RemoteIDs["migration_id"] != "" && latest != nil && strings.EqualFold(latest.ID, rec.RemoteIDs["migration_id"]) {
			// The state records the migration (an earlier apply started it), only not its result.
			ch.Reasons = []string{fmt.Sprintf("migration %s, started by an earlier apply that stopped before recording its result, has completed; nothing is sent, the result is recorded", shortID(latest.ID))}
		}
		if sch := ownSchedule(latest, prior, l); sch != nil {
			ch.Reasons = []string{fmt.Sprintf("the migration ferry scheduled (schedule %s) has completed; nothing is sent, the result is recorded", shortID(sch.ID))}
		} else if origin := notStartedByFerry(latest, l.Successor, rec, l.Legacy); origin != "" {
			if origin == originTermEnd {
				origin = "migrated by Microsoft at term end"
			}
			ch.Summary = fmt.Sprintf("record the completed migration of %s (%s)", legacyName, origin)
			if l.Successor != nil {
				ch.Summary += fmt.Sprintf(" → %s", shortID(l.Successor.ID))
			}
			ch.Reasons = append([]string{origin + "; nothing is sent, its result is recorded"}, differsFromSpec(s, latest, l.Successor)...)
		}
		if partial {
			ch.Reasons = []string{partialReason + "; Partner Center shows the migration of " + s.MigrateFrom + ", so its result is recorded again; nothing is sent"}
		}
		ch.Steps = []model.Step{awaitStep(desired, params, attemptOf(rec, 1))}
		ch.State = migratedState(desired)
		return ch, nil
	}
	if migrated {
		ch.Action = model.ActionNoop
		ch.Summary = fmt.Sprintf("%s migrated to New Commerce subscription %s", legacyName, shortID(prior.RemoteIDs["new_subscription_id"]))
		ch.Reasons = []string{"the state records this migration but Partner Center shows no New Commerce successor of " + s.MigrateFrom}
		return ch, nil
	}

	// A migration in flight: wait for it, never start another.
	if latest != nil && latest.Status == MigrationProcessing {
		params := awaitParams(s, l)
		params.MigrationID = latest.ID
		ch.Action = model.ActionResume
		ch.Summary = fmt.Sprintf("await migration %s of %s (Processing)", shortID(latest.ID), legacyName)
		ch.Details = migrationDetails(latest)
		if sch := ownSchedule(latest, prior, l); sch != nil {
			ch.Reasons = []string{fmt.Sprintf("the migration ferry scheduled (schedule %s) has started; nothing is sent, ferry waits for it and records its result", shortID(sch.ID))}
		} else if origin := notStartedByFerry(latest, nil, rec, l.Legacy); origin != "" {
			if origin == originTermEnd {
				origin = "being migrated by Microsoft at term end"
			}
			ch.Summary = fmt.Sprintf("await migration %s of %s (Processing; %s)", shortID(latest.ID), legacyName, origin)
			ch.Reasons = append([]string{origin + "; nothing is sent, ferry waits for it and records its result"}, differsFromSpec(s, latest, nil)...)
		}
		ch.Steps = []model.Step{awaitStep(desired, params, attemptOf(rec, 1))}
		ch.State = migratedState(desired)
		return ch, nil
	}

	if partial {
		return blocked(ch, fmt.Sprintf("the state's entry for %s is incomplete", desired.Addr),
			partialReason+fmt.Sprintf("; Partner Center shows no migration of %s, so ferry cannot tell what that entry migrated (was migrate_from changed?)", legacyName),
			fmt.Sprintf("if the spec used to name another legacy subscription, restore it; to migrate %s, `ferry state rm %s` and plan again", s.MigrateFrom, desired.Addr)), nil
	}

	if l.Legacy == nil {
		return ch, hcl.Diagnostics{legacyNotFound(desired)}
	}
	if isNCEOffer(l.Legacy.OfferID) {
		return blocked(ch, fmt.Sprintf("nothing to migrate: %s", legacyName),
			fmt.Sprintf("subscription %s is already a New Commerce subscription (offer %s); to manage it with ferry, "+
				"adopt it with an import block (id = \"%s/%s\") and set migrate_from to the legacy subscription it replaced",
				s.MigrateFrom, l.Legacy.OfferID, s.CustomerID, s.MigrateFrom)), nil
	}

	// An interrupted migrate whose migration Partner Center does not show: send it again under the
	// same key, after the executor has reconciled by that key.
	if rec != nil && rec.Status == state.StepIntent && l.migrationOfIntent(rec) == nil {
		req := buildRequest(s, l)
		ch.Action = model.ActionResume
		ch.Summary = fmt.Sprintf("resume the interrupted migration of %s (reconcile by key, then await)", legacyName)
		ch.Details = createDetails(s, l, &req)
		ch.Steps = []model.Step{migrateStep(desired, l, req, rec.Attempt), awaitStep(desired, awaitParams(s, l), rec.Attempt)}
		ch.State = migratedState(desired)
		return ch, nil
	}

	attempt := attemptOf(rec, 0) + 1
	var reasons []string
	if latest != nil && latest.Status == MigrationFailed {
		failure := fmt.Sprintf("previous migration %s failed: %s", latest.ID, migrationError(latest))
		if !isActive(l.Legacy.Status) {
			return blocked(ch, fmt.Sprintf("cannot retry the migration of %s", legacyName),
				failure, fmt.Sprintf("legacy subscription is %s; %s", l.Legacy.Status, blockedFailedSuspended)), nil
		}
		reasons = append(reasons, strings.TrimSuffix(failure, ".")+fmt.Sprintf("; the legacy subscription is still active, so ferry starts a new migration (attempt %d)", attempt))
	}
	if !isActive(l.Legacy.Status) {
		return blocked(ch, fmt.Sprintf("cannot migrate %s", legacyName),
			fmt.Sprintf("legacy subscription %s is %s; only an active subscription can be migrated", s.MigrateFrom, l.Legacy.Status)), nil
	}
	if r := addonProblems(s, l); len(r) > 0 {
		return blocked(ch, fmt.Sprintf("cannot migrate %s", legacyName), append(reasons, r...)...), nil
	}
	if r := termEndProblems(s, l, time.Now()); len(r) > 0 {
		return blocked(ch, fmt.Sprintf("cannot migrate %s", legacyName), append(reasons, r...)...), nil
	}
	if l.Validation == nil {
		return blocked(ch, fmt.Sprintf("cannot migrate %s", legacyName), append(reasons, "the eligibility of the migration was not checked")...), nil
	}
	if !l.Validation.IsEligible {
		r := append([]string(nil), reasons...)
		why := l.Validation.Reasons()
		r = append(r, why...)
		if len(why) == 0 {
			r = append(r, "Partner Center reports the subscription as not eligible for migration, without a reason")
		}
		return blocked(ch, fmt.Sprintf("cannot migrate %s", legacyName), r...), nil
	}

	if s.Schedule != nil {
		if rec := priorStep(prior, StepSchedule); rec != nil {
			attempt = max(attempt, rec.Attempt+1)
		}
		return planScheduleCreate(ch, desired, l, attempt, reasons), nil
	}
	req := buildRequest(s, l)
	ch.Action = model.ActionCreate
	ch.Summary = createSummary(s, l, &req)
	ch.Details = createDetails(s, l, &req)
	ch.Reasons = reasons
	ch.Steps = []model.Step{migrateStep(desired, l, req, attempt), awaitStep(desired, awaitParams(s, l), attempt)}
	ch.State = migratedState(desired)
	return ch, nil
}

// buildRequest is the migration request for the desired subscription: quantity from the spec or the
// legacy subscription, each add-on with its legacy quantity.
func buildRequest(s *model.Subscription, l *Live) MigrationRequest {
	req := MigrationRequest{
		CurrentSubscriptionID: s.MigrateFrom,
		TermDuration:          s.TermDuration,
		BillingCycle:          s.BillingCycle,
		PurchaseFullTerm:      s.PurchaseFullTerm,
	}
	req.CustomTermEndDate, _ = parseDate(s.CustomTermEndDate)
	if l.Legacy != nil {
		req.CurrentSubscriptionID = l.Legacy.ID
		req.Quantity = l.Legacy.Quantity
	}
	if s.Quantity != nil {
		req.Quantity = *s.Quantity
	}
	for _, a := range s.Addons {
		m := AddOnMigration{
			CurrentSubscriptionID: a.MigrateFrom,
			TermDuration:          a.TermDuration,
			BillingCycle:          a.BillingCycle,
			PurchaseFullTerm:      a.PurchaseFullTerm,
		}
		m.CustomTermEndDate, _ = parseDate(a.CustomTermEndDate)
		if live := l.addon(a.MigrateFrom); live != nil {
			m.CurrentSubscriptionID = live.ID
			m.Quantity = live.Quantity
		}
		req.AddOnMigrations = append(req.AddOnMigrations, m)
	}
	return req
}

func migrateStep(desired model.Instance, l *Live, req MigrationRequest, attempt int) model.Step {
	s := desired.Subscription
	return model.Step{
		Addr:        desired.Addr,
		Provider:    ProviderName,
		Name:        StepMigrate,
		Mutating:    true,
		Attempt:     attempt,
		Description: fmt.Sprintf("create the New Commerce migration of %s", describeLegacy(s.MigrateFrom, l.Legacy)),
		Params: encodeParams(StepParams{
			CustomerID:           s.CustomerID,
			LegacySubscriptionID: req.CurrentSubscriptionID,
			Request:              &req,
		}),
	}
}

func awaitStep(desired model.Instance, params StepParams, attempt int) model.Step {
	timeout := desired.Subscription.Timeouts.Migration
	if timeout <= 0 {
		timeout = DefaultMigrationTimeout
	}
	return model.Step{
		Addr:        desired.Addr,
		Provider:    ProviderName,
		Name:        StepAwaitMigration,
		Wait:        true,
		Attempt:     attempt,
		Description: fmt.Sprintf("wait for the migration of %s to complete", shortID(params.LegacySubscriptionID)),
		Timeout:     timeout,
		Params:      encodeParams(params),
	}
}

func awaitParams(s *model.Subscription, l *Live) StepParams {
	p := StepParams{CustomerID: s.CustomerID, LegacySubscriptionID: s.MigrateFrom}
	if l.Legacy != nil {
		p.LegacySubscriptionID = l.Legacy.ID
	}
	for _, a := range s.Addons {
		p.AddonSubscriptionIDs = append(p.AddonSubscriptionIDs, a.MigrateFrom)
	}
	return p
}

// refreshedState is what `plan --refresh-only` records for a migrated subscription: the successor's
// live IDs and attributes (nil when Partner Center shows no successor).
func refreshedState(desired model.Instance, succ *Subscription) *state.Resource {
	if succ == nil {
		return nil
	}
	st := migratedState(desired)
	out := model.Outcome{RemoteIDs: st.RemoteIDs, Attributes: map[string]string{}}
	recordSubscription(out, succ)
	st.Attributes = out.Attributes
	return st
}

// partialReason describes an incomplete migrated entry (see incompleteEntry).
const partialReason = "the state records this address as migrated but not its customer_id and legacy_subscription_id (an apply killed between a wait's outcome and its state entry, by a ferry that journaled them separately)"

// incompleteEntry reports a state entry that lacks the IDs migratedState records.
func incompleteEntry(prior *state.Resource) bool {
	return prior != nil && (prior.RemoteIDs["customer_id"] == "" || prior.RemoteIDs["legacy_subscription_id"] == "")
}

// migratedState is the state entry recorded once the steps succeed.
func migratedState(desired model.Instance) *state.Resource {
	return &state.Resource{
		Addr:     string(desired.Addr),
		Kind:     model.KindSubscription,
		Provider: ProviderName,
		Status:   StatusMigrated,
		RemoteIDs: map[string]string{
			"customer_id":            desired.Subscription.CustomerID,
			"legacy_subscription_id": desired.Subscription.MigrateFrom,
		},
	}
}

// addonProblems lists the spec's add-ons that are not add-ons of this base in Partner Center.
func addonProblems(s *model.Subscription, l *Live) []string {
	var r []string
	seen := map[string]bool{}
	for _, a := range s.Addons {
		k := strings.ToLower(a.MigrateFrom)
		if seen[k] {
			r = append(r, fmt.Sprintf("add-on %s is listed twice", a.MigrateFrom))
			continue
		}
		seen[k] = true
		if l.addon(a.MigrateFrom) == nil {
			r = append(r, fmt.Sprintf("add-on %s is not an add-on of legacy subscription %s under customer %s", a.MigrateFrom, s.MigrateFrom, s.CustomerID))
		}
	}
	// An active add-on left out would stay on a base that the migration suspends, and could then
	// never be migrated: refuse rather than strand it.
	for _, a := range l.Addons {
		if isActive(a.Status) && !seen[strings.ToLower(a.ID)] {
			r = append(r, fmt.Sprintf("the active legacy add-on %s%s of %s is not in the spec: migrating the base without it would "+
				"leave it on a suspended base, where it can no longer be migrated; add `addon { migrate_from = %q }` to the block",
				a.ID, quotedName(&a), s.MigrateFrom, a.ID))
		}
	}
	return r
}

func quotedName(s *Subscription) string {
	if n := subscriptionName(s); n != "" {
		return " (" + quoteName(n) + ")"
	}
	return ""
}

func blocked(ch model.Change, summary string, reasons ...string) model.Change {
	ch.Action = model.ActionBlocked
	ch.Summary = summary
	ch.Reasons = reasons
	return ch
}

func priorStep(prior *state.Resource, name string) *state.StepRecord {
	if prior == nil {
		return nil
	}
	return prior.Steps[name]
}

// attemptOf is the attempt of a step record, or def when there is none.
func attemptOf(rec *state.StepRecord, def int) int {
	if rec == nil || rec.Attempt <= 0 {
		return def
	}
	return rec.Attempt
}

func migrationError(m *Migration) string {
	// The documented migration carries no error code; a description is shown when one is given.
	if m.ErrorDescription == "" {
		return "Partner Center gives no reason"
	}
	return m.ErrorDescription
}

// identityChanged reports a spec whose customer_id or migrate_from differs from what the state
// recorded for the same address: ferry will not silently drop the old subscription nor guess that a
// new one is meant. The reasons say how to proceed.
func identityChanged(desired model.Instance, prior *state.Resource) []string {
	if prior == nil {
		return nil
	}
	s := desired.Subscription
	var reasons []string
	for _, f := range []struct{ attr, key, want string }{
		{"customer_id", "customer_id", s.CustomerID},
		{"migrate_from", "legacy_subscription_id", s.MigrateFrom},
	} {
		if had := prior.RemoteIDs[f.key]; had != "" && !strings.EqualFold(had, f.want) {
			reasons = append(reasons, fmt.Sprintf("the spec says %s = %q, but the state records %s for this address", f.attr, f.want, had))
		}
	}
	if len(reasons) > 0 {
		reasons = append(reasons, fmt.Sprintf("to migrate a different subscription, give it its own block or key (or `ferry state rm %s` to forget the old one); to keep the old one, restore the spec", desired.Addr))
	}
	return reasons
}

// drift notes where the spec now asks for something other than what the migrated New Commerce
// subscription has: ferry migrates, it does not change New Commerce subscriptions afterwards, so
// the plan says so rather than claim everything matches.
func drift(s *model.Subscription, succ *Subscription) []string {
	if succ == nil {
		return nil
	}
	var diffs []string
	if s.Quantity != nil && *s.Quantity != succ.Quantity {
		diffs = append(diffs, fmt.Sprintf("quantity %d (it has %d)", *s.Quantity, succ.Quantity))
	}
	if succ.TermDuration != "" && !strings.EqualFold(s.TermDuration, succ.TermDuration) {
		diffs = append(diffs, fmt.Sprintf("term_duration %s (it has %s)", s.TermDuration, succ.TermDuration))
	}
	if succ.BillingCycle != "" && !strings.EqualFold(s.BillingCycle, succ.BillingCycle) {
		diffs = append(diffs, fmt.Sprintf("billing_cycle %s (it has %s)", s.BillingCycle, succ.BillingCycle))
	}
	if len(diffs) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("note: the spec now asks for %s of New Commerce subscription %s; ferry migrates but does not "+
		"change New Commerce subscriptions afterwards: change it in Partner Center, or align the spec", strings.Join(diffs, ", "), succ.ID)}
}

// legacyNotFound is the error of a migrate_from that names no subscription of the customer (and no
// migration or successor names it either): a mistake in the spec, like a customer that does not
// exist, not a change Partner Center refuses. Marked providers.Unreadable, the planner leaves the
// instance out (the plan has errors, exit 1) and plans the others as usual.
func legacyNotFound(desired model.Instance) *hcl.Diagnostic {
	s := desired.Subscription
	subject := desired.DeclRange
	if r, ok := s.Ranges["migrate_from"]; ok {
		subject = r
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Legacy subscription not found",
		Detail: fmt.Sprintf("Customer %s has no subscription %s (migrate_from of %s). Check migrate_from: it must be the ID of "+
			"a legacy subscription of this customer. %s is not planned; the others are planned as usual.",
			s.CustomerID, s.MigrateFrom, desired.Addr, desired.Addr),
		Subject: rangePtr(subject),
		Extra:   providers.Unreadable{Addrs: []model.Addr{desired.Addr}},
	}
}

// Origins of a migration ferry did not start (see notStartedByFerry).
const (
	originTermEnd  = "term end"
	originNotFerry = "a migration not started by ferry"
)

// termEndWindow is how close to the legacy subscription's term end a migration ferry did not start
// must begin to be taken for Microsoft's own migration at term end.
const termEndWindow = 72 * time.Hour

// notStartedByFerry describes the origin of a migration of the legacy subscription (m, or only its
// successor when Partner Center shows no migration record) that ferry did not start — originTermEnd
// or originNotFerry — or "" when it is
// ferry's — its id, batch id or key is the one the state's migrate step records — or when there is
// nothing to tell. Since January 2024 Microsoft migrates legacy subscriptions itself at term end: a
// migration (or successor) starting no earlier than 72 h before the legacy term's end is that one.
// ownSchedule is the schedule recorded in state (created by ferry's schedule step) that produced the
// migration m — named by the schedule's newCommerceMigrationId, or carrying the schedule step's key
// as externalReferenceId, as a schedule's migration does — or nil. Such a migration is ferry's.
func ownSchedule(m *Migration, prior *state.Resource, l *Live) *MigrationSchedule {
	if prior == nil {
		return nil
	}
	id := prior.RemoteIDs["schedule_id"]
	srec := priorStep(prior, StepSchedule)
	for i := range l.Schedules {
		sch := &l.Schedules[i]
		if id == "" || !strings.EqualFold(sch.ID, id) {
			continue
		}
		switch {
		case m != nil && sch.NewCommerceMigrationID != "" && strings.EqualFold(sch.NewCommerceMigrationID, m.ID):
			return sch
		case m != nil && srec != nil && m.ExternalReferenceID != "" && m.ExternalReferenceID == srec.Key:
			return sch
		case m == nil && l.Successor != nil && strings.EqualFold(sch.Status, ScheduleCompleted):
			return sch
		}
	}
	return nil
}

func notStartedByFerry(m *Migration, succ *Subscription, rec *state.StepRecord, legacy *Subscription) string {
	if rec != nil {
		if m == nil {
			return "" // the state records a migrate step: an apply interrupted after it
		}
		if m.ID == rec.RemoteIDs["migration_id"] || m.ExternalReferenceID != "" &&
			(m.ExternalReferenceID == rec.RemoteIDs[RemoteBatchID] || m.ExternalReferenceID == rec.Key) {
			return ""
		}
	}
	if m == nil && succ == nil {
		return ""
	}
	var began *time.Time
	if m != nil {
		began = m.StartedTime
	} else {
		began = succ.CreationDate
		if began == nil {
			began = succ.EffectiveStartDate
		}
	}
	if legacy != nil && legacy.CommitmentEndDate != nil && began != nil && !began.Before(legacy.CommitmentEndDate.Add(-termEndWindow)) {
		return originTermEnd
	}
	return originNotFerry
}

// differsFromSpec warns, for a migration ferry did not start, where its quantity, term or billing
// cycle (the migration's, else the successor's) differs from the spec: ferry records it as it is.
func differsFromSpec(s *model.Subscription, m *Migration, succ *Subscription) []string {
	var qty int
	var term, cycle, what string
	switch {
	case m != nil && (m.Quantity > 0 || m.TermDuration != "" || m.BillingCycle != ""):
		qty, term, cycle, what = m.Quantity, m.TermDuration, m.BillingCycle, "migration "+m.ID
	case succ != nil:
		qty, term, cycle, what = succ.Quantity, succ.TermDuration, succ.BillingCycle, "New Commerce subscription "+succ.ID
	default:
		return nil
	}
	var diffs []string
	if s.Quantity != nil && qty > 0 && *s.Quantity != qty {
		diffs = append(diffs, fmt.Sprintf("quantity %d (the spec says %d)", qty, *s.Quantity))
	}
	if term != "" && s.TermDuration != "" && !strings.EqualFold(s.TermDuration, term) {
		diffs = append(diffs, fmt.Sprintf("term_duration %s (the spec says %s)", term, s.TermDuration))
	}
	if cycle != "" && s.BillingCycle != "" && !strings.EqualFold(s.BillingCycle, cycle) {
		diffs = append(diffs, fmt.Sprintf("billing_cycle %s (the spec says %s)", strings.ToLower(cycle), s.BillingCycle))
	}
	if len(diffs) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("warning: %s has %s; ferry records it as it is and does not change it: align the spec, or change it in Partner Center",
		what, strings.Join(diffs, ", "))}
}
