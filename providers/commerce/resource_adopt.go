package commerce

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/state"
)

// planAdoption plans the import of an existing Microsoft subscription into Commerce (an import block
// on a via = "commerce" subscription; CloudBlue's procedure for a subscription active in Partner
// Center and Connect but terminated in Commerce). Before any order it checks the Microsoft
// subscription against the spec — active, a New Commerce offer migrated from migrate_from, and the
// quantity, billing cycle and term the spec asks for — as the Connect processor will before it
// approves the order; any difference is a plan error at the attribute, and nothing is ordered.
// Then: a SALES order with migration_info_object (order, await_order) and, in new_subscription mode,
// the cancellation of the source subscription when it is still active.
func (p *Provider) planAdoption(ch model.Change, b builder, prior *state.Resource, l *Live, adopted string) (model.Change, hcl.Diagnostics) {
	desired := b.desired
	s, c := desired.Subscription, desired.Subscription.Commerce
	if c.Mode == ModeSwitchPlan {
		return blocked(ch, "cannot adopt "+adopted), hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Adoption needs mode = \"new_subscription\"",
			Detail:  fmt.Sprintf(`%s imports Microsoft subscription %s into Commerce, which is a SALES order with migration_info_object; a switch_plan CHANGE order cannot carry it. Set mode = "new_subscription".`, desired.Addr, adopted),
			Subject: rangePtr(attrRange(desired, "commerce.mode"))}}
	}
	if l.AdoptErr != nil {
		return blocked(ch, "cannot adopt "+adopted+": Microsoft could not be read", l.AdoptErr.Error()+"; plan again once Partner Center answers"), nil
	}
	var elsewhere []string
	for _, sub := range l.Adopted {
		if sub.AccountID != c.AccountID && !strings.EqualFold(sub.Status, SubscriptionTerminated) {
			elsewhere = append(elsewhere, fmt.Sprintf("subscription %s of account %s", sub.ID, sub.AccountID))
		}
	}
	if len(elsewhere) > 0 {
		return blocked(ch, "cannot adopt "+adopted), hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Migration validation requirements not met",
			Detail: fmt.Sprintf("%s: Microsoft subscription %s is already linked to Commerce %s; adopting it into account %s as well would link it to two accounts, which CloudBlue refuses. No order is placed.",
				desired.Addr, adopted, strings.Join(elsewhere, " and "), c.AccountID),
			Subject: rangePtr(importOrDecl(desired))}}
	}
	for _, sub := range l.Adopted {
		if sub.AccountID == c.AccountID && !strings.EqualFold(sub.Status, SubscriptionTerminated) && (l.AdoptSales == nil || !l.AdoptSales.Completed()) {
			ch.Action = model.ActionImport
			ch.Summary = fmt.Sprintf("Microsoft subscription %s is already Commerce subscription %s: recorded, nothing ordered", adopted, sub.ID)
			ch.State.RemoteIDs["subscription_id"] = sub.ID
			ch.State.RemoteIDs["adopted_subscription_id"] = adopted
			return ch, nil
		}
	}
	if diags := checkAdoption(desired, l.Adopt, adopted); diags.HasErrors() {
		return blocked(ch, "cannot adopt "+adopted, "the Microsoft subscription does not match the spec"), diags
	}
	ms := l.Adopt
	ch.Details = append(ch.Details, model.Detail{Name: "adopt", New: adopted}, model.Detail{Name: "csp_order_id", New: ms.OrderID})
	ch.State.RemoteIDs["adopted_subscription_id"] = adopted
	body := AdoptionSalesOrder(AdoptionOrder{AccountID: c.AccountID, PlanID: c.PlanID, MSCustomerID: s.CustomerID, SubscriptionID: ms.ID,
		CSPOrderID: ms.OrderID, MicrosoftDomain: s.MicrosoftDomain})
	var next func(model.Change) model.Change
	if l.Source != nil && strings.EqualFold(l.Source.Status, SubscriptionActive) || l.Cancel != nil {
		next = func(ch model.Change) model.Change {
			return p.planOrder(ch, b, prior, l, StepCancel, l.Cancel, CancellationOrder(c.AccountID, c.SourceSubscriptionID), nil)
		}
	}
	return p.planOrder(ch, b, prior, l, StepOrder, l.AdoptSales, body, next), nil
}

// checkAdoption compares the Microsoft subscription with the spec: one error per difference, at the
// attribute that differs.
func checkAdoption(desired model.Instance, ms *MicrosoftSubscription, adopted string) hcl.Diagnostics {
	s := desired.Subscription
	if ms == nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Subscription to adopt not found",
			Detail: fmt.Sprintf("%s: Partner Center has no subscription %s under customer %s; check the import ID (<customer_id>/<subscription_id>).",
				desired.Addr, adopted, s.CustomerID),
			Subject: rangePtr(importOrDecl(desired))}}
	}
	var diags hcl.Diagnostics
	mismatch := func(attr, spec, remote string) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
			Summary: "Adopted subscription does not match " + attr,
			Detail: fmt.Sprintf("%s: the spec says %s = %s, but Microsoft has %s for subscription %s. The Connect processor fails an import order that differs from Microsoft, so none is placed; change the spec to match Partner Center.",
				desired.Addr, attr, spec, remote, ms.ID),
			Subject: rangePtr(attrRange(desired, attr))})
	}
	if !strings.EqualFold(ms.Status, "active") {
		mismatch("import", strconv.Quote(desired.ImportID), "status "+strconv.Quote(ms.Status)+" (only an active subscription can be adopted)")
	}
	if !isNCEOffer(ms.OfferID) {
		mismatch("import", strconv.Quote(desired.ImportID), "the legacy offer "+strconv.Quote(ms.OfferID)+" (adoption imports New Commerce subscriptions; migrate a legacy one instead)")
	}
	if !strings.EqualFold(ms.MigratedFrom, s.MigrateFrom) {
		from := "no migratedFromSubscriptionId"
		if ms.MigratedFrom != "" {
			from = "migratedFromSubscriptionId " + strconv.Quote(ms.MigratedFrom)
		}
		mismatch("migrate_from", strconv.Quote(s.MigrateFrom), from)
	}
	if s.Quantity != nil && *s.Quantity != ms.Quantity {
		mismatch("quantity", strconv.Itoa(*s.Quantity), "quantity "+strconv.Itoa(ms.Quantity))
	}
	if !strings.EqualFold(ms.BillingCycle, s.BillingCycle) {
		mismatch("billing_cycle", strconv.Quote(s.BillingCycle), "billingCycle "+strconv.Quote(ms.BillingCycle))
	}
	if !strings.EqualFold(ms.TermDuration, s.TermDuration) {
		mismatch("term_duration", strconv.Quote(s.TermDuration), "termDuration "+strconv.Quote(ms.TermDuration))
	}
	return diags
}

func rangePtr(r hcl.Range) *hcl.Range { return &r }

// importOrDecl is where the import block was declared, else the subscription block.
func importOrDecl(in model.Instance) hcl.Range {
	if in.ImportRange.Filename != "" {
		return in.ImportRange
	}
	return in.DeclRange
}

// attrRange is where attr was set ("import": the import block), else the block.
func attrRange(in model.Instance, attr string) hcl.Range {
	if attr == "import" {
		return importOrDecl(in)
	}
	if r, ok := in.Subscription.Ranges[attr]; ok {
		return r
	}
	return in.DeclRange
}
