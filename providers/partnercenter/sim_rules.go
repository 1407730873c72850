package partnercenter

import (
	"fmt"
	"strings"
)

// Eligibility error codes the simulator answers with (in the style of Partner Center's).
const (
	CodeTrial               = "SubscriptionIsTrial"
	CodeNotActive           = "SubscriptionNotActive"
	CodePromotion           = "SubscriptionHasActivePromotion"
	CodeNoEquivalent        = "NoNewCommerceEquivalent"
	CodeMigrationInProgress = "MigrationInProgress"
	CodeAddOnAlone          = "AddOnMustMigrateWithBase"
	CodeAddOnNotOfBase      = "AddOnNotOfBaseSubscription"
	CodeTermNotAllowed      = "TermDurationNotAllowed"
	CodeBillingNotAllowed   = "BillingCycleNotAllowed"
	CodeInvalidQuantity     = "InvalidQuantity"
)

// allowedBilling lists the billing cycles a New Commerce term allows; ok is false for an unknown term.
func allowedBilling(term string) (cycles []string, ok bool) {
	switch term {
	case "P1M":
		return []string{"monthly"}, true
	case "P1Y":
		return []string{"monthly", "annual"}, true
	case "P3Y":
		return []string{"monthly", "annual", "triennial"}, true
	}
	return nil, false
}

// migrationPlan is an eligible request, resolved against the world.
type migrationPlan struct {
	base   *Subscription
	item   itemPlan
	addOns []addOnPlan
}

type itemPlan struct {
	catalogItemID    string
	quantity         int
	termDuration     string
	billingCycle     string
	purchaseFullTerm bool
}

type addOnPlan struct {
	sub  *Subscription
	item itemPlan
}

// check applies the eligibility rules to req. It returns the plan when eligible, otherwise the
// errors; inProgress is set when a migration is already Processing for one of the subscriptions.
// base is nil when the current subscription does not exist.
func (s *Simulator) check(c *simCustomer, req MigrationRequest) (plan *migrationPlan, errs []ValidationError, inProgress bool) {
	base := c.sub(req.CurrentSubscriptionID)
	if base == nil {
		return nil, nil, false
	}
	plan = &migrationPlan{base: base}
	add := func(code, format string, args ...any) {
		errs = append(errs, ValidationError{Code: code, Description: fmt.Sprintf(format, args...)})
	}
	var item itemPlan
	var ip bool
	item, errs, ip = s.checkItem(base, "", req.Quantity, req.TermDuration, req.BillingCycle, req.PurchaseFullTerm, errs)
	inProgress = inProgress || ip
	plan.item = item
	errs = s.checkCustomTermEnd(c, req.CustomTermEndDate, "", errs)

	seen := map[string]bool{strings.ToLower(base.ID): true}
	for _, a := range req.AddOnMigrations {
		key := strings.ToLower(a.CurrentSubscriptionID)
		sub := c.sub(a.CurrentSubscriptionID)
		switch {
		case sub == nil || !strings.EqualFold(sub.ParentSubscriptionID, base.ID):
			add(CodeAddOnNotOfBase, "Subscription %s is not an add-on of base subscription %s.", a.CurrentSubscriptionID, base.ID)
			continue
		case seen[key]:
			add(CodeAddOnNotOfBase, "Add-on subscription %s is listed more than once.", a.CurrentSubscriptionID)
			continue
		}
		seen[key] = true
		prefix := fmt.Sprintf("Add-on %s: ", sub.ID)
		var ai itemPlan
		ai, errs, ip = s.checkItem(sub, prefix, a.Quantity, a.TermDuration, a.BillingCycle, a.PurchaseFullTerm, errs)
		errs = s.checkCustomTermEnd(c, a.CustomTermEndDate, prefix, errs)
		inProgress = inProgress || ip
		plan.addOns = append(plan.addOns, addOnPlan{sub: sub, item: ai})
	}
	if len(errs) > 0 {
		return nil, errs, inProgress
	}
	return plan, nil, false
}

// checkItem applies the rules every migrated subscription (base or add-on) must meet.
func (s *Simulator) checkItem(sub *Subscription, prefix string, quantity int, term, billing string, fullTerm bool, errs []ValidationError) (itemPlan, []ValidationError, bool) {
	add := func(code, format string, args ...any) {
		errs = append(errs, ValidationError{Code: code, Description: prefix + fmt.Sprintf(format, args...)})
	}
	item := itemPlan{quantity: quantity, termDuration: term, billingCycle: strings.ToLower(billing), purchaseFullTerm: fullTerm}
	if item.quantity == 0 {
		item.quantity = sub.Quantity
	}
	if item.termDuration == "" {
		item.termDuration = sub.TermDuration
		if item.termDuration == "" {
			item.termDuration = "P1Y"
		}
	}
	if item.billingCycle == "" {
		item.billingCycle = strings.ToLower(sub.BillingCycle)
	}
	if sub.IsTrial {
		add(CodeTrial, "Subscription %s is a trial. Trial subscriptions are not eligible for migration to New Commerce; convert the trial to a paid subscription first.", sub.ID)
	}
	if !strings.EqualFold(sub.Status, "active") {
		add(CodeNotActive, "Subscription %s is %s. Only active subscriptions can be migrated to New Commerce.", sub.ID, sub.Status)
	}
	if sub.PromotionID != "" {
		add(CodePromotion, "Subscription %s has an active promotion (%s) and cannot be migrated to New Commerce until the promotion ends.", sub.ID, sub.PromotionID)
	}
	if id, ok := s.catalog[strings.ToLower(sub.OfferID)]; ok && id != "" {
		item.catalogItemID = id
	} else {
		add(CodeNoEquivalent, "Offer %s (%s) has no New Commerce equivalent available for migration.", sub.OfferID, sub.OfferName)
	}
	inProgress := s.processing(sub.ID) != nil
	if inProgress {
		add(CodeMigrationInProgress, "A migration to New Commerce is already in progress for subscription %s.", sub.ID)
	}
	if item.quantity < 1 {
		add(CodeInvalidQuantity, "Quantity %d is not valid; it must be at least 1.", item.quantity)
	}
	cycles, ok := allowedBilling(item.termDuration)
	if !ok {
		add(CodeTermNotAllowed, "Term duration %q is not available for this offer. Allowed values: P1M, P1Y, P3Y.", item.termDuration)
	} else if !contains(cycles, item.billingCycle) {
		add(CodeBillingNotAllowed, "Billing cycle %q is not available with term duration %s. Allowed billing cycles: %s.", item.billingCycle, item.termDuration, strings.Join(cycles, ", "))
	}
	return item, errs, inProgress
}

// processing returns the migration in progress for subscription id (base or add-on), or nil.
func (s *Simulator) processing(id string) *simMigration {
	return s.inProgress[strings.ToLower(id)]
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
