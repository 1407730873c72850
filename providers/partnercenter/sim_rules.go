package partnercenter

import (
	"fmt"
	"strings"
	"time"
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

// simRequestError is a request the simulator refuses outright (400), before any eligibility rule.
type simRequestError struct{ msg string }

func (e *simRequestError) Error() string { return e.msg }

// check applies the documented eligibility rules to req: the answer (the eligibility of the base
// and of each add-on, with integer NewCommerceEligibilityErrorCode codes), the plan when the whole
// bundle is eligible, and whether a migration is already Processing for one of its subscriptions.
// An add-on may be migrated alone; one ineligible add-on makes the bundle ineligible. base is nil (and so is the answer) when the current
// subscription does not exist; reqErr is set for a request that is not valid at all.
func (s *Simulator) check(c *simCustomer, req simMigrationRequest) (plan *migrationPlan, res *simEligibility, inProgress bool, reqErr error) {
	base := c.sub(req.CurrentSubscriptionID)
	if base == nil {
		return nil, nil, false, nil
	}
	plan = &migrationPlan{base: base}
	var baseRes simEligibility
	plan.item, baseRes, inProgress = s.checkItem(base, req)
	s.checkCustomTermEnd(c, req.CustomTermEndDate, plan.item.termDuration, &baseRes)
	if q := plan.item.quantity; q < 1 {
		return nil, nil, false, &simRequestError{fmt.Sprintf("quantity %d is not valid; it must be at least 1.", q)}
	}

	if err := s.checkSeats(c, plan.item); err != nil {
		return nil, nil, false, err
	}
	seen := map[string]bool{strings.ToLower(base.ID): true}
	for _, a := range req.AddOnMigrations {
		key := strings.ToLower(a.CurrentSubscriptionID)
		sub := c.sub(a.CurrentSubscriptionID)
		switch {
		case sub == nil || !strings.EqualFold(sub.ParentSubscriptionID, base.ID):
			return nil, nil, false, &simRequestError{fmt.Sprintf("Subscription %s is not an add-on of subscription %s.", a.CurrentSubscriptionID, base.ID)}
		case seen[key]:
			return nil, nil, false, &simRequestError{fmt.Sprintf("Add-on subscription %s is listed more than once.", a.CurrentSubscriptionID)}
		}
		seen[key] = true
		item, ares, ip := s.checkItem(sub, a)
		s.checkCustomTermEnd(c, a.CustomTermEndDate, item.termDuration, &ares)
		if item.quantity < 1 {
			return nil, nil, false, &simRequestError{fmt.Sprintf("quantity %d of add-on %s is not valid; it must be at least 1.", item.quantity, sub.ID)}
		}
		inProgress = inProgress || ip
		plan.addOns = append(plan.addOns, addOnPlan{sub: sub, item: item})
		baseRes.AddOnMigrations = append(baseRes.AddOnMigrations, ares)
		if !ares.IsEligible {
			baseRes.IsEligible = false
		}
	}
	// SubscriptionAddOnsPresent (4) is not simulated: a base sent without one of its active add-ons
	// is accepted here (ferry's plan refuses such a request itself).
	if !baseRes.IsEligible {
		return nil, &baseRes, inProgress, nil
	}
	return plan, &baseRes, false, nil
}

// checkItem applies the rules every migrated subscription (base or add-on) must meet and answers
// its eligibility.
func (s *Simulator) checkItem(sub *Subscription, r simMigrationRequest) (itemPlan, simEligibility, bool) {
	item := itemPlan{quantity: r.Quantity, termDuration: r.TermDuration, billingCycle: strings.ToLower(r.BillingCycle), purchaseFullTerm: r.PurchaseFullTerm}
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
	res := simEligibility{CurrentSubscriptionID: sub.ID, TermDuration: item.termDuration,
		BillingCycle: migrationBillingCycle(item.billingCycle), CustomTermEndDate: r.CustomTermEndDate,
		Errors: []simEligibilityError{}, AddOnMigrations: []simEligibility{}}
	add := func(code int, format string, args ...any) {
		res.Errors = append(res.Errors, simEligibilityError{Code: code, Description: fmt.Sprintf(format, args...)})
	}
	if !strings.EqualFold(sub.Status, "active") {
		add(EligibilitySubscriptionStatusNotActive, "Subscription %s is %s. Only an active subscription can be migrated.", sub.ID, sub.Status)
	}
	inProgress := s.processing(sub.ID) != nil
	if inProgress {
		add(EligibilitySubscriptionBeingProcessingInOms, "Subscription %s is being processed; a migration is already in progress.", sub.ID)
	}
	if s.firstMonth && sub.CreationDate != nil && s.env.Now().Before(sub.CreationDate.AddDate(0, 1, 0)) {
		add(EligibilitySubscriptionActiveForLessThanOneMonth, "Subscription %s was created on %s; a subscription can be migrated once it has been active for a month.",
			sub.ID, sub.CreationDate.Format(time.DateOnly))
	}
	if sub.PromotionID != "" {
		add(EligibilitySubscriptionPromotionsPresent, "Subscription %s has the active promotion %s.", sub.ID, sub.PromotionID)
	}
	// Trials: not a documented code; the simulator reports them as having no product to migrate to.
	if sub.IsTrial {
		add(EligibilityNewCommerceProductUnavailable, "Subscription %s is a trial; there is no New Commerce product to migrate a trial to.", sub.ID)
	} else if id, ok := s.catalog[strings.ToLower(sub.OfferID)]; ok && id != "" {
		item.catalogItemID = id
	} else {
		if sub.OfferName != "" {
			add(EligibilityNewCommerceProductUnavailable, "No New Commerce product is available for offer %s (%s).", sub.OfferID, sub.OfferName)
		} else {
			add(EligibilityNewCommerceProductUnavailable, "No New Commerce product is available for offer %s.", sub.OfferID)
		}
	}
	cycles, ok := allowedBilling(item.termDuration)
	if !ok || !contains(cycles, item.billingCycle) {
		add(EligibilityTermDurationBillingCycleCombinationNotSupported, "The term duration %s with the billing cycle %s is not supported for this product.", item.termDuration, migrationBillingCycle(item.billingCycle))
	}
	if end := sub.CommitmentEndDate; end != nil && !item.purchaseFullTerm {
		if left := end.Sub(s.env.Now()); left >= 0 && left < 24*time.Hour {
			add(EligibilityLastDayOfTermRequiresPurchaseFullTerm, "Subscription %s is in the last 24 hours of its term; it can be migrated only with purchaseFullTerm.", sub.ID)
		}
	}
	res.IsEligible = len(res.Errors) == 0
	res.CatalogItemID = item.catalogItemID
	return item, res, inProgress
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

// reasons lists the descriptions of every error of an eligibility answer, add-ons included.
func (e *simEligibility) reasons() []string {
	var out []string
	for _, x := range e.Errors {
		out = append(out, x.Description)
	}
	for i := range e.AddOnMigrations {
		out = append(out, e.AddOnMigrations[i].reasons()...)
	}
	return out
}

// checkSeats refuses a migration that would take a customer past the seat limit of its New Commerce
// product (SimWorld.SeatLimits), counting the licenses of its active subscriptions of that product.
func (s *Simulator) checkSeats(c *simCustomer, item itemPlan) error {
	limit, ok := s.seatLimits[strings.ToLower(item.catalogItemID)]
	if !ok || item.catalogItemID == "" {
		return nil
	}
	held := 0
	for _, sub := range c.subs {
		if strings.EqualFold(sub.OfferID, item.catalogItemID) && strings.EqualFold(sub.Status, "active") {
			held += sub.Quantity
		}
	}
	if held+item.quantity > limit {
		return &simRequestError{fmt.Sprintf("The customer would hold %d licenses of %s (%d already, %d requested); at most %d are allowed across its subscriptions of this product.",
			held+item.quantity, item.catalogItemID, held, item.quantity, limit)}
	}
	return nil
}
