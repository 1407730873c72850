package hclspec

import (
	"fmt"
	"time"

	"github.com/ferry-dev/ferry/model"
	"github.com/hashicorp/hcl/v2"
)

// commerceVia is the via value whose migrations are CloudBlue Commerce orders: the commerce block
// describes the order and belongs to it alone.
const commerceVia = "commerce"

// evalSubscription evaluates and checks a subscription instance.
func (l *loader) evalSubscription(r *attrReader, rb *resourceBlock) *model.Subscription {
	s := &model.Subscription{Via: l.defaultProvider(model.KindSubscription), Ranges: r.ranges}
	via, viaRng, viaOK := r.str("via", false, l.providerCheck(model.KindSubscription))
	if viaOK {
		s.Via = via
	}
	s.CustomerID, _, _ = r.str("customer_id", true, guidCheck)
	var domainOK bool
	s.MicrosoftDomain, _, domainOK = r.str("microsoft_domain", false, domainCheck)
	if s.Via == commerceVia && !domainOK && r.attrs["microsoft_domain"] == nil {
		r.problem(rb.DeclRange, "Missing microsoft_domain",
			`A subscription with via = "commerce" needs microsoft_domain (the customer's .onmicrosoft.com domain): the Commerce migration order carries it.`)
	}
	s.MigrateFrom, _, _ = r.str("migrate_from", true, guidCheck)
	var termOK, billOK bool
	s.TermDuration, _, termOK = r.str("term_duration", true, termCheck)
	var billRng hcl.Range
	s.BillingCycle, billRng, billOK = r.str("billing_cycle", true, billingCheck)
	if termOK && billOK {
		if p := termBillingProblem(s.TermDuration, s.BillingCycle); p != "" {
			r.problem(billRng, "Unsupported term and billing cycle", p)
		}
	}
	s.PurchaseFullTerm = r.boolean("purchase_full_term", false)
	s.Quantity = r.integer("quantity", 1)
	s.CustomTermEndDate = r.date("custom_term_end_date")
	if sb := rb.Nested[blockSchedule]; len(sb) > 0 {
		s.Schedule = evalSchedule(r.nested(sb[0].Attrs, "schedule."), sb[0])
		if s.Via == commerceVia {
			// A Commerce migration order migrates when it is fulfilled; it carries no schedule.
			// Ignoring the block would migrate at once a subscription meant to migrate later.
			r.problem(sb[0].DeclRange, "Schedule not supported through Commerce",
				`A schedule is a Partner Center migration schedule; a subscription with via = "commerce" is migrated by a Commerce order, which migrates when it is fulfilled and carries no schedule. Remove the block (the order is placed at apply), or migrate this subscription with via = "partnercenter".`)
		}
	}
	if a := r.attrs["custom_term_end_date"]; a != nil && s.Via == commerceVia {
		r.problem(a.Expr.Range(), "custom_term_end_date not supported through Commerce",
			`custom_term_end_date is sent to Partner Center as customTermEndDate; the Commerce migration order (transaction_info_object) has no such field, so it would be ignored. Remove it, or use purchase_full_term.`)
	}

	withPlan := 0
	for i, nb := range rb.Nested[blockAddon] {
		s.Addons = append(s.Addons, l.evalAddon(r.nested(nb.Attrs, fmt.Sprintf("addon[%d].", i)), nb, s))
		if s.Addons[i].PlanID != "" {
			withPlan++
		}
	}
	if withPlan > 0 && withPlan < len(s.Addons) {
		// The add-on lines of a Commerce order are matched to transaction_info_object.addons by
		// position: either every add-on has its line, or none has.
		for _, a := range s.Addons {
			if a.PlanID == "" {
				rng := a.DeclRange
				r.problem(rng, "Missing add-on plan_id",
					"Another add-on of this subscription names its Commerce plan_id; the add-on lines of the order are matched to its add-ons by position, so give every add-on its plan_id, or none.")
			}
		}
	}
	commerce := rb.Nested[blockCommerce]
	switch {
	case s.Via == commerceVia && len(commerce) == 0:
		r.problem(viaRng, "Missing commerce block",
			`A subscription with via = "commerce" needs a commerce { account_id, source_subscription_id, plan_id, mode } block describing the CloudBlue Commerce order.`)
	case s.Via != commerceVia && len(commerce) > 0 && (viaOK || r.attrs["via"] == nil):
		r.problem(commerce[0].DeclRange, "Unexpected commerce block",
			fmt.Sprintf(`The commerce block is only used with via = "commerce"; this subscription goes through %s. Remove the block or set via = "commerce".`, s.Via))
	case s.Via == commerceVia:
		cr := r.nested(commerce[0].Attrs, "commerce.")
		c := &model.CommerceOptions{}
		c.AccountID, _, _ = cr.str("account_id", true, nonEmptyCheck)
		c.SourceSubscriptionID, _, _ = cr.str("source_subscription_id", true, nonEmptyCheck)
		c.PlanID, _, _ = cr.str("plan_id", true, nonEmptyCheck)
		c.Mode, _, _ = cr.str("mode", true, modeCheck)
		s.Commerce = c
	}
	if t := rb.Nested[blockTimeouts]; len(t) > 0 {
		tr := r.nested(t[0].Attrs, "timeouts.")
		s.Timeouts.Order = tr.timeout("order")
		s.Timeouts.Migration = tr.timeout("migration")
	}
	return s
}

// evalAddon evaluates an addon block; term, billing and purchase_full_term default to the base's.
func (l *loader) evalAddon(r *attrReader, nb *nestedBlock, base *model.Subscription) model.Addon {
	a := model.Addon{TermDuration: base.TermDuration, BillingCycle: base.BillingCycle, PurchaseFullTerm: base.PurchaseFullTerm, DeclRange: nb.DeclRange}
	a.MigrateFrom, _, _ = r.str("migrate_from", true, guidCheck)
	term, termRng, termOK := r.str("term_duration", false, termCheck)
	if termOK {
		a.TermDuration = term
	}
	bill, billRng, billOK := r.str("billing_cycle", false, billingCheck)
	if billOK {
		a.BillingCycle = bill
	}
	a.PurchaseFullTerm = r.boolean("purchase_full_term", base.PurchaseFullTerm)
	a.CustomTermEndDate = r.date("custom_term_end_date")
	if at := r.attrs["custom_term_end_date"]; at != nil && base.Via == commerceVia {
		r.problem(at.Expr.Range(), "custom_term_end_date not supported through Commerce",
			`custom_term_end_date is sent to Partner Center as customTermEndDate; the Commerce migration order (transaction_info_object.addons) has no such field, so it would be ignored. Remove it.`)
	}
	if plan, rng, ok := r.str("plan_id", false, nonEmptyCheck); ok {
		if base.Via != commerceVia {
			r.problem(rng, "Unexpected add-on plan_id",
				fmt.Sprintf(`plan_id names the CloudBlue Commerce plan of an add-on and is only used with via = "commerce"; this subscription goes through %s. Remove it.`, base.Via))
		} else {
			a.PlanID = plan
		}
	}
	if (termOK || billOK) && a.TermDuration != "" && a.BillingCycle != "" {
		if p := termBillingProblem(a.TermDuration, a.BillingCycle); p != "" {
			rng := billRng
			if !billOK {
				rng = termRng
			}
			r.problem(rng, "Unsupported term and billing cycle", "Add-on: "+p)
		}
	}
	return a
}

// timeout reads a timeouts argument ("10m", "72h", "3d"); zero when absent or invalid.
func (r *attrReader) timeout(name string) time.Duration {
	s, rng, ok := r.str(name, false)
	if !ok {
		return 0
	}
	v, err := parseTimeout(s)
	if err != nil {
		r.problem(rng, "Invalid timeout", "timeouts."+name+": "+err.Error()+".")
		return 0
	}
	return v
}
