package partnercenter

import (
	"strings"
	"time"

	"github.com/google/uuid"
)

// start creates a Processing migration for an eligible plan.
func (s *Simulator) start(c *simCustomer, req simMigrationRequest, plan *migrationPlan, outcome string) *simMigration {
	now := s.env.Now()
	m := simMigrationWire{
		ID:                    uuid.NewString(),
		StartedTime:           timePtr(now),
		CurrentSubscriptionID: plan.base.ID,
		Status:                MigrationProcessing,
		CustomerTenantID:      c.id,
		CatalogItemID:         plan.item.catalogItemID,
		Quantity:              plan.item.quantity,
		TermDuration:          plan.item.termDuration,
		BillingCycle:          migrationBillingCycle(plan.item.billingCycle),
		PurchaseFullTerm:      plan.item.purchaseFullTerm,
		ExternalReferenceID:   req.ExternalReferenceID,
		AddOnMigrations:       []simMigrationWire{},
	}
	if req.CustomTermEndDate != nil {
		m.CustomTermEndDate = timePtr(*req.CustomTermEndDate)
	}
	for _, a := range plan.addOns {
		m.AddOnMigrations = append(m.AddOnMigrations, simMigrationWire{
			CurrentSubscriptionID: a.sub.ID,
			Status:                MigrationProcessing,
			CustomerTenantID:      c.id,
			Quantity:              a.item.quantity,
			TermDuration:          a.item.termDuration,
			BillingCycle:          migrationBillingCycle(a.item.billingCycle),
			PurchaseFullTerm:      a.item.purchaseFullTerm,
			CatalogItemID:         a.item.catalogItemID,
			ExternalReferenceID:   req.ExternalReferenceID,
			AddOnMigrations:       []simMigrationWire{},
		})
	}
	sm := &simMigration{m: m, customer: c, outcome: outcome, due: now.Add(s.env.Duration(DurationMigration, DefaultMigrationDuration))}
	s.addMigration(sm)
	return sm
}

// advance finishes every Processing migration whose time has come. Callers hold s.mu.
func (s *Simulator) advance() {
	s.advanceSchedules()
	s.advanceResolutions()
	if len(s.pending) == 0 {
		return
	}
	now := s.env.Now()
	kept := s.pending[:0]
	for _, m := range s.pending {
		if m.m.Status != MigrationProcessing {
			continue
		}
		if now.Before(m.due) {
			kept = append(kept, m)
			continue
		}
		s.finish(m, m.due)
	}
	clear(s.pending[len(kept):])
	s.pending = kept
}

// finish ends migration m at time at, as its forced outcome says.
func (s *Simulator) finish(m *simMigration, at time.Time) {
	for _, id := range m.subscriptionIDs() {
		if s.inProgress[strings.ToLower(id)] == m {
			delete(s.inProgress, strings.ToLower(id))
		}
	}
	m.m.CompletedTime = timePtr(at)
	c := m.customer
	switch m.outcome {
	case "fail", "fail_suspended":
		m.m.Status = MigrationFailed
		m.m.ErrorDescription = "The migration to New Commerce failed. The legacy subscription was not changed; you can try the migration again."
		if m.outcome == "fail_suspended" {
			m.m.ErrorDescription = "The migration to New Commerce failed after the legacy subscription was suspended. Microsoft will complete or revert the migration within 72 hours; do not retry it."
			s.suspend(c, m.subscriptionIDs())
			m.due = at.Add(s.env.Duration(DurationResolve, DefaultResolveDuration))
			s.resolving = append(s.resolving, m)
		}
		return
	}
	s.complete(m, at)
}

// advanceResolutions resolves, as Microsoft does within 72 hours, every migration that failed after
// suspension and whose time has come: completed, or reverted (the legacy subscriptions active
// again, the migration still Failed), as the world says. Callers hold s.mu.
func (s *Simulator) advanceResolutions() {
	if len(s.resolving) == 0 {
		return
	}
	now := s.env.Now()
	kept := s.resolving[:0]
	for _, m := range s.resolving {
		if now.Before(m.due) {
			kept = append(kept, m)
			continue
		}
		if s.resolution == ResolveRevert {
			m.m.ErrorDescription = "The migration to New Commerce failed; Microsoft reverted it and the legacy subscription is active again."
			s.reactivate(m.customer, m.subscriptionIDs())
			continue
		}
		m.m.ErrorDescription = ""
		s.complete(m, m.due)
	}
	clear(s.resolving[len(kept):])
	s.resolving = kept
}

// reactivate makes the legacy subscriptions ids active again (a reverted migration).
func (s *Simulator) reactivate(c *simCustomer, ids []string) {
	if c == nil {
		return
	}
	for _, id := range ids {
		if sub := c.sub(id); sub != nil {
			sub.Status = "active"
			sub.AutoRenewEnabled = true
		}
	}
}

// complete ends migration m at time at as Completed: a New Commerce subscription for the base and
// each add-on, the legacy ones suspended.
func (s *Simulator) complete(m *simMigration, at time.Time) {
	c := m.customer
	m.m.Status = MigrationCompleted
	m.m.CompletedTime = timePtr(at)
	if c == nil {
		return
	}
	orderID := uuid.NewString()
	base := c.sub(m.m.CurrentSubscriptionID)
	newBase := s.successor(c, base, itemOf(m.m), m.m.CustomTermEndDate, "", orderID, at)
	m.m.NewCommerceSubscriptionID = newBase.ID
	m.m.NewCommerceOrderID = orderID
	m.m.SubscriptionEndDate = newBase.CommitmentEndDate
	addOns := make([]simMigrationWire, len(m.m.AddOnMigrations))
	for i, a := range m.m.AddOnMigrations {
		item := itemPlan{catalogItemID: a.CatalogItemID, quantity: a.Quantity, termDuration: a.TermDuration, billingCycle: strings.ToLower(a.BillingCycle), purchaseFullTerm: a.PurchaseFullTerm}
		n := s.successor(c, c.sub(a.CurrentSubscriptionID), item, nil, newBase.ID, orderID, at)
		a.NewCommerceSubscriptionID = n.ID
		a.NewCommerceOrderID = orderID
		a.Status = MigrationCompleted
		a.CompletedTime = timePtr(at)
		addOns[i] = a
	}
	m.m.AddOnMigrations = addOns
	s.suspend(c, m.subscriptionIDs())
}

func itemOf(m simMigrationWire) itemPlan {
	return itemPlan{catalogItemID: m.CatalogItemID, quantity: m.Quantity, termDuration: m.TermDuration, billingCycle: strings.ToLower(m.BillingCycle), purchaseFullTerm: m.PurchaseFullTerm}
}

// successor creates the New Commerce subscription that replaces legacy (which may be nil when the
// world was edited by hand).
func (s *Simulator) successor(c *simCustomer, legacy *Subscription, item itemPlan, customEnd *time.Time, parentID, orderID string, at time.Time) *Subscription {
	start := timePtr(at)
	end := addTerm(*start, item.termDuration)
	switch {
	case item.purchaseFullTerm:
	case customEnd != nil:
		end = *customEnd
	case legacy != nil && legacy.CommitmentEndDate != nil:
		end = *legacy.CommitmentEndDate
	}
	n := &Subscription{
		ID:                   uuid.NewString(),
		OfferID:              item.catalogItemID,
		Quantity:             item.quantity,
		UnitType:             "Licenses",
		ParentSubscriptionID: parentID,
		CreationDate:         start,
		EffectiveStartDate:   start,
		CommitmentEndDate:    timePtr(end),
		Status:               "active",
		AutoRenewEnabled:     true,
		BillingType:          "license",
		BillingCycle:         item.billingCycle,
		TermDuration:         item.termDuration,
		OrderID:              orderID,
		ContractType:         "subscription",
	}
	if legacy != nil {
		n.MigratedFromSubscriptionID = legacy.ID
		n.OfferName = legacy.OfferName
		n.FriendlyName = legacy.FriendlyName
		if legacy.ProductType != nil {
			pt := *legacy.ProductType
			n.ProductType = &pt
		}
	}
	n.EntitlementID = n.ID
	s.addSub(c, n)
	return n
}

// suspend marks the legacy subscriptions ids as suspended.
func (s *Simulator) suspend(c *simCustomer, ids []string) {
	if c == nil {
		return
	}
	for _, id := range ids {
		if sub := c.sub(id); sub != nil {
			sub.Status = "suspended"
			sub.AutoRenewEnabled = false
		}
	}
}

// addTerm returns t plus one term of the given ISO 8601 duration (P1M, P1Y, P3Y; else one year).
func addTerm(t time.Time, term string) time.Time {
	switch term {
	case "P1M":
		return t.AddDate(0, 1, 0)
	case "P3Y":
		return t.AddDate(3, 0, 0)
	default:
		return t.AddDate(1, 0, 0)
	}
}
