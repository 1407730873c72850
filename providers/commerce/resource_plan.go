package commerce

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/state"
)

// StepParams is the payload of every step.
type StepParams struct {
	AccountID            string `json:"account_id"`
	SourceSubscriptionID string `json:"source_subscription_id"`
	// Order is the order a mutating step places (its transaction_id is the step's key, set by Do).
	Order *Order `json:"order,omitempty"`
	// OrderID is the order a wait reads, when the plan knows it; else the earlier step's ID.
	OrderID string `json:"order_id,omitempty"`
	// Final marks the last wait of the change: its outcome makes the resource done.
	Final bool `json:"final,omitempty"`
}

// Plan turns the desired subscription, its state entry and what Read found into a Change; it makes
// no remote calls. Orders are found by the legacy Microsoft subscription their
// transaction_info_object names (SALES) or by the source subscription (CHANGE, CANCELLATION), so an
// order placed by an interrupted apply is waited on, never placed again:
//
//   - done in state: no-op;
//   - an order step journaled with no outcome: resume with that step at the same attempt (the
//     executor reconciles it by its key, the order's transaction_id) and what follows;
//   - new_subscription: no sales order (or a failed one, retried under a new attempt) → order,
//     await_order, cancel, await_cancel; a sales order under way → await_order and the rest; a
//     completed one → the cancellation (placed, or awaited when under way or done);
//   - switch_plan: the same with one CHANGE order and await_change;
//   - a source subscription missing before anything was ordered: an error at
//     source_subscription_id (not read); not active before anything was ordered: blocked.
func (p *Provider) Plan(desired model.Instance, prior *state.Resource, live providers.Live) (model.Change, hcl.Diagnostics) {
	ch := model.Change{Addr: desired.Addr, Kind: model.KindSubscription, Provider: Name, DependsOn: desired.DependsOn}
	s := desired.Subscription
	if s == nil || s.Commerce == nil {
		return ch, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Missing commerce block",
			Detail: fmt.Sprintf("%s has via = \"commerce\" but no commerce block.", desired.Addr), Subject: &desired.DeclRange}}
	}
	c := s.Commerce
	if t := s.Timeouts.Order; t != 0 && (t < MinOrderTimeout || t > MaxOrderTimeout) {
		return ch, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid order timeout",
			Detail: fmt.Sprintf("timeouts.order = %s: a Commerce order timeout is between 60s and 24h (default 10m).", t), Subject: &desired.DeclRange}}
	}
	if prior != nil && prior.Status == state.StatusDone {
		ch.Action = model.ActionNoop
		ch.Summary = fmt.Sprintf("migrated through Commerce order %s", prior.RemoteIDs["order_id"]+prior.RemoteIDs["change_order_id"])
		return ch, nil
	}
	l, _ := live.(*Live)
	if l == nil {
		return blocked(ch, "not read from CloudBlue Commerce"), nil
	}
	if l.ReadErr != nil {
		return blocked(ch, "could not be read from CloudBlue Commerce", l.ReadErr.Error()+"; plan again once Commerce answers"), nil
	}
	if d := doublyLinked(desired, l); d != nil {
		return ch, hcl.Diagnostics{d}
	}
	ch.Details = []model.Detail{
		{Name: "account_id", New: c.AccountID},
		{Name: "source_subscription_id", New: c.SourceSubscriptionID},
		{Name: "plan_id", New: c.PlanID},
		{Name: "mode", New: c.Mode},
	}
	ch.State = &state.Resource{Addr: string(desired.Addr), Kind: desired.Kind, Provider: Name, Status: state.StatusDone,
		RemoteIDs:  map[string]string{"account_id": c.AccountID, "source_subscription_id": c.SourceSubscriptionID, "customer_id": s.CustomerID},
		Attributes: map[string]string{"plan_id": c.PlanID, "mode": c.Mode, "migrate_from": s.MigrateFrom}}
	base := StepParams{AccountID: c.AccountID, SourceSubscriptionID: c.SourceSubscriptionID}
	timeout := s.Timeouts.Order
	if timeout == 0 {
		timeout = DefaultOrderTimeout
	}
	b := builder{desired: desired, params: base, timeout: scaled(timeout, p.timeScale)}
	if _, adopted, ok := adoptionOf(desired); ok {
		b.adopt = true
		return p.planAdoption(ch, b, prior, l, adopted)
	}

	if l.Source == nil && !b.adopt && nothingOrdered(desired, prior, l) {
		// A source subscription the account does not have, before anything was ordered, is a mistake
		// in the spec (a typo in account_id or source_subscription_id), as a migrate_from that names
		// no subscription is for Partner Center: an error (exit 1), not a change the remote blocks.
		return ch, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Commerce source subscription not found",
			Detail: fmt.Sprintf("Commerce account %s has no subscription %s (commerce.source_subscription_id of %s). Check account_id and source_subscription_id: "+
				"they name the Commerce subscription of legacy %s. %s is not planned; the others are planned as usual.",
				c.AccountID, c.SourceSubscriptionID, desired.Addr, s.MigrateFrom, desired.Addr),
			Subject: rangePtr(attrRange(desired, "commerce.source_subscription_id")), Extra: providers.Unreadable{Addrs: []model.Addr{desired.Addr}}}}
	}
	if _, placing := firstOrder(desired, prior, l); placing {
		if why := quantityProblem(s, l.Legacy); why != "" {
			return blocked(ch, fmt.Sprintf("cannot migrate %s with quantity %d", s.MigrateFrom, *s.Quantity), why), hcl.Diagnostics{{Severity: hcl.DiagError,
				Summary: "Quantity not supported through Commerce", Detail: fmt.Sprintf("%s: %s.", desired.Addr, why),
				Subject: rangePtr(attrRange(desired, "quantity"))}}
		}
	}
	if c.Mode == ModeSwitchPlan {
		return p.planOrder(ch, b, prior, l, StepChange, l.Change, ChangeOrder(c.SourceSubscriptionID, migrationOrder(s)), nil), nil
	}
	cancel := func(ch model.Change) model.Change {
		return p.planOrder(ch, b, prior, l, StepCancel, l.Cancel, CancellationOrder(c.AccountID, c.SourceSubscriptionID), nil)
	}
	return p.planOrder(ch, b, prior, l, StepOrder, l.Sales, SalesOrder(migrationOrder(s)), cancel), nil
}

// planOrder plans one order and its wait; then, once that order is complete (or will be), next.
func (p *Provider) planOrder(ch model.Change, b builder, prior *state.Resource, l *Live, step string, have *Order, body Order,
	next func(model.Change) model.Change) model.Change {
	rec := priorStep(prior, step)
	attempt := 1
	if rec != nil {
		attempt = rec.Attempt
	}
	final := next == nil
	then := func(ch model.Change) model.Change {
		if next != nil {
			return next(ch)
		}
		return ch
	}
	what := describe(step, b.desired)
	switch {
	case rec != nil && rec.Status == state.StepIntent:
		ch = action(ch, model.ActionResume, what+" (an earlier apply was interrupted while placing it)")
		ch.Steps = append(ch.Steps, b.place(step, body, attempt), b.await(step, "", final))
		return then(ch)
	case have != nil && have.Completed():
		ch.Steps = append(ch.Steps, b.await(step, have.OrderID, final))
		ch = action(ch, model.ActionResume, fmt.Sprintf("record completed %s order %s", strings.ToLower(have.Type), have.OrderID))
		return then(ch)
	case have != nil && !have.Failed():
		ch = action(ch, model.ActionResume, fmt.Sprintf("wait for %s order %s (%s)", strings.ToLower(have.Type), have.OrderID, have.Progress()))
		ch.Steps = append(ch.Steps, b.await(step, have.OrderID, final))
		return then(ch)
	}
	if have != nil && have.Failed() && rec != nil {
		attempt = rec.Attempt + 1
	}
	if len(ch.Steps) == 0 && !b.adopt {
		if l.Source == nil {
			return blocked(ch, fmt.Sprintf("source subscription %s not found in Commerce account %s", b.params.SourceSubscriptionID, b.params.AccountID))
		}
		if !strings.EqualFold(l.Source.Status, SubscriptionActive) {
			return blocked(ch, fmt.Sprintf("source subscription %s is %s in Commerce, not active", l.Source.ID, l.Source.Status))
		}
		if stranded := strandedAddons(b.desired.Subscription, l.Addons); len(stranded) > 0 {
			return blocked(ch, "cannot migrate "+b.desired.Subscription.MigrateFrom+" without its active add-ons", stranded...)
		}
		if len(l.Ineligible) > 0 {
			return blocked(ch, "cannot migrate "+b.desired.Subscription.MigrateFrom+": Microsoft says it is not eligible for New Commerce", l.Ineligible...)
		}
	}
	if len(ch.Steps) == 0 {
		var ae *APIError
		if errors.As(l.EstimateErr, &ae) && ae.Status/100 == 4 && ae.Status != 408 && ae.Status != 429 {
			return blocked(ch, "Commerce refused the estimate of the "+strings.ToLower(body.Type)+" order", ae.Message+
				" (POST …/orders/estimate; nothing is ordered until the estimate succeeds)")
		}
	}
	if ch.Action == model.ActionResume {
		// A later order of a change whose first one is recorded or awaited (the cancellation after
		// a completed sales order): the summary says that it is placed too. (A first order placed
		// now already names the cancellation that follows it.)
		ch.Summary += "; then " + what
	}
	ch = action(ch, model.ActionCreate, what)
	if l.EstimateErr != nil && len(ch.Steps) == 0 {
		ch.Reasons = append(ch.Reasons, "the order could not be estimated in advance: "+l.EstimateErr.Error())
	}
	if l.AddonsErr != nil && len(ch.Steps) == 0 && !b.adopt {
		ch.Reasons = append(ch.Reasons, "the legacy add-ons could not be checked: "+l.AddonsErr.Error())
	}
	if l.EligibilityErr != nil && len(ch.Steps) == 0 && !b.adopt {
		ch.Reasons = append(ch.Reasons, "the eligibility could not be checked: "+l.EligibilityErr.Error())
	}
	if q := b.desired.Subscription.Quantity; q != nil && l.Legacy == nil && len(ch.Steps) == 0 && !b.adopt {
		ch.Reasons = append(ch.Reasons, fmt.Sprintf("warning: quantity = %d is not part of a Commerce migration order; Microsoft migrates the legacy subscription's seats", *q))
	}
	if have != nil && have.Failed() {
		why := have.Details
		if why == "" {
			why = "Commerce gave no details"
		}
		ch.Reasons = append(ch.Reasons, fmt.Sprintf("the previous %s order %s failed: %s", strings.ToLower(have.Type), have.OrderID, why))
	}
	ch.Steps = append(ch.Steps, b.place(step, body, attempt), b.await(step, "", final))
	return then(ch)
}

// strandedAddons names each active legacy add-on of the base (read from Partner Center) that the
// spec's addon blocks leave out: migrating the base suspends it, and an add-on left on a suspended
// base can no longer be migrated.
func strandedAddons(s *model.Subscription, addons []MicrosoftSubscription) []string {
	listed := map[string]bool{}
	for _, a := range s.Addons {
		listed[strings.ToLower(a.MigrateFrom)] = true
	}
	var out []string
	for _, a := range addons {
		if strings.EqualFold(a.Status, "active") && !listed[strings.ToLower(a.ID)] {
			out = append(out, fmt.Sprintf("the active legacy add-on %s of %s is not in the spec: migrating the base without it would "+
				"leave it on a suspended base, where it can no longer be migrated; add `addon { migrate_from = %q }` to the block",
				a.ID, s.MigrateFrom, a.ID))
		}
	}
	return out
}

// nothingOrdered reports whether no order of the migration was placed yet (none found, or only a
// failed one) and none may be in flight (no intent journaled without its outcome).
func nothingOrdered(in model.Instance, prior *state.Resource, l *Live) bool {
	step, have := StepOrder, l.Sales
	if in.Subscription.Commerce.Mode == ModeSwitchPlan {
		step, have = StepChange, l.Change
	}
	if rec := priorStep(prior, step); rec != nil && rec.Status == state.StepIntent {
		return false
	}
	return have == nil || have.Failed()
}

// quantityProblem says why the spec's quantity cannot be honoured by a Commerce migration order
// ("" when it can, or is not set): the order (transaction_info_object) carries no quantity, so the
// New Commerce subscription gets the legacy subscription's seats.
func quantityProblem(s *model.Subscription, legacy *MicrosoftSubscription) string {
	if s.Quantity == nil || legacy == nil || *s.Quantity == legacy.Quantity {
		return ""
	}
	return fmt.Sprintf("the spec says quantity = %d, but a Commerce migration order carries no quantity: Microsoft migrates the %d seats of legacy subscription %s. "+
		"Set quantity = %d (or remove it), and change the seats in Commerce after the migration", *s.Quantity, legacy.Quantity, legacy.ID, legacy.Quantity)
}

// action sets the change's action and summary the first time (the first order decides them).
func action(ch model.Change, a model.Action, summary string) model.Change {
	if ch.Action == "" {
		ch.Action, ch.Summary = a, summary
	}
	return ch
}

func describe(step string, in model.Instance) string {
	s := in.Subscription
	c := s.Commerce
	switch step {
	case StepChange:
		return fmt.Sprintf("switch Commerce subscription %s to plan %s (migrates legacy %s)", c.SourceSubscriptionID, c.PlanID, s.MigrateFrom)
	case StepCancel:
		return fmt.Sprintf("cancel Commerce subscription %s", c.SourceSubscriptionID)
	}
	if _, adopted, ok := adoptionOf(in); ok {
		return fmt.Sprintf("adopt Microsoft subscription %s into Commerce account %s on plan %s", adopted, c.AccountID, c.PlanID)
	}
	return fmt.Sprintf("order plan %s in Commerce account %s for legacy %s, then cancel subscription %s", c.PlanID, c.AccountID, s.MigrateFrom, c.SourceSubscriptionID)
}

type builder struct {
	desired model.Instance
	params  StepParams
	timeout time.Duration
	// adopt marks an adoption: its sales order does not need an active source subscription.
	adopt bool
}

func (b builder) place(step string, body Order, attempt int) model.Step {
	pr := b.params
	pr.Order = &body
	raw, _ := json.Marshal(pr)
	return model.Step{Addr: b.desired.Addr, Provider: Name, Name: step, Mutating: true, Attempt: attempt,
		Description: fmt.Sprintf("placing the %s order", strings.ToLower(body.Type)), Params: raw}
}

func (b builder) await(step, orderID string, final bool) model.Step {
	pr := b.params
	pr.OrderID, pr.Final = orderID, final
	raw, _ := json.Marshal(pr)
	st := model.Step{Addr: b.desired.Addr, Provider: Name, Name: "await_" + step, Wait: true, Attempt: 1,
		Description: "waiting for the order to complete", Params: raw, Timeout: b.timeout}
	return st
}

// migrationOrder is what the spec says of the migration order. transaction_id is left to Do (the
// step's idempotency key).
func migrationOrder(s *model.Subscription) MigrationOrder {
	m := MigrationOrder{AccountID: s.Commerce.AccountID, PlanID: s.Commerce.PlanID, MSCustomerID: s.CustomerID, LegacyID: s.MigrateFrom,
		PurchaseFullTerm: s.PurchaseFullTerm, MicrosoftDomain: s.MicrosoftDomain, MigrationType: s.Commerce.Mode}
	for _, a := range s.Addons {
		m.Addons = append(m.Addons, AddonMigrate{SubscriptionID: a.MigrateFrom, TermDuration: a.TermDuration, BillingCycle: a.BillingCycle, PurchaseFullTerm: a.PurchaseFullTerm})
		if a.PlanID != "" {
			m.AddonPlans = append(m.AddonPlans, a.PlanID)
		}
	}
	return m
}

func blocked(ch model.Change, summary string, reasons ...string) model.Change {
	ch.Action, ch.Summary, ch.Reasons, ch.Steps, ch.State = model.ActionBlocked, summary, reasons, nil, nil
	return ch
}

func priorStep(prior *state.Resource, name string) *state.StepRecord {
	if prior == nil || prior.Steps == nil {
		return nil
	}
	return prior.Steps[name]
}

// scaled divides d by the sandbox's time factor.
func scaled(d time.Duration, factor float64) time.Duration {
	if factor > 1 {
		return time.Duration(float64(d) / factor)
	}
	return d
}

// doublyLinked is the plan error of a legacy Microsoft subscription synced with Commerce
// subscriptions of two different accounts: CloudBlue aborts such a migration ("Migration validation
// requirements not met") because it cannot tell which one to migrate, so ferry orders nothing for it.
func doublyLinked(desired model.Instance, l *Live) *hcl.Diagnostic {
	var names []string
	accounts := map[string]bool{}
	for _, s := range l.Linked {
		if strings.EqualFold(s.Status, SubscriptionTerminated) {
			continue
		}
		accounts[s.AccountID] = true
		names = append(names, fmt.Sprintf("subscription %s of account %s", s.ID, s.AccountID))
	}
	if len(accounts) < 2 {
		return nil
	}
	rng := desired.DeclRange
	if r, ok := desired.Subscription.Ranges["migrate_from"]; ok {
		rng = r
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Migration validation requirements not met",
		Detail: fmt.Sprintf("%s: legacy Microsoft subscription %s is linked to Commerce %s. CloudBlue cannot tell which one to migrate and aborts such a migration; no order is placed. Unlink one of them in Commerce, then plan again.",
			desired.Addr, desired.Subscription.MigrateFrom, strings.Join(names, " and ")),
		Subject: &rng}
}
