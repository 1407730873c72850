package partnercenter

import (
	"fmt"
	"strings"

	"github.com/ferry-dev/ferry/providers/simkit"
)

// linkSide is the simulator's part in the sandbox's simkit.Link: Connect's processor migrating a
// subscription with Microsoft when it fulfils a Commerce order, and reading one for an adoption.
type linkSide struct{ s *Simulator }

// Migrate runs a migration to its end at once (the Commerce order it fulfils has taken its time
// already): the same eligibility rules as POST …/migrations/newcommerce, no rate limit, no stats.
func (l linkSide) Migrate(req simkit.LinkMigration) (simkit.LinkMigrated, error) {
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	c := s.customerByID[strings.ToLower(req.CustomerID)]
	if c == nil {
		return simkit.LinkMigrated{}, simkit.ErrNotInWorld
	}
	mr := simMigrationRequest{CurrentSubscriptionID: req.SubscriptionID, PurchaseFullTerm: req.PurchaseFullTerm, ExternalReferenceID: req.Reference}
	for _, a := range req.AddOns {
		mr.AddOnMigrations = append(mr.AddOnMigrations, simMigrationRequest{CurrentSubscriptionID: a.SubscriptionID,
			TermDuration: a.TermDuration, BillingCycle: a.BillingCycle, PurchaseFullTerm: a.PurchaseFullTerm})
	}
	plan, res, inProgress, err := s.check(c, mr)
	switch {
	case err != nil:
		return simkit.LinkMigrated{}, err
	case res == nil:
		return simkit.LinkMigrated{}, fmt.Errorf("Microsoft has no subscription %s under customer %s", req.SubscriptionID, req.CustomerID)
	case inProgress:
		return simkit.LinkMigrated{}, fmt.Errorf("a migration of subscription %s is already in progress", req.SubscriptionID)
	case plan == nil:
		return simkit.LinkMigrated{}, fmt.Errorf("subscription %s is not eligible for New Commerce: %s", req.SubscriptionID, strings.Join(res.reasons(), " "))
	}
	m := s.start(c, mr, plan, "")
	s.finish(m, s.env.Now())
	out := simkit.LinkMigrated{SubscriptionID: m.m.NewCommerceSubscriptionID, AddOns: map[string]string{}}
	for _, a := range m.m.AddOnMigrations {
		out.AddOns[strings.ToLower(a.CurrentSubscriptionID)] = a.NewCommerceSubscriptionID
	}
	return out, nil
}

// Subscription reads one subscription of a customer.
func (l linkSide) Subscription(customerID, subscriptionID string) (simkit.LinkSubscription, error) {
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	c := s.customerByID[strings.ToLower(customerID)]
	if c == nil {
		return simkit.LinkSubscription{}, simkit.ErrNotInWorld
	}
	sub := c.sub(subscriptionID)
	if sub == nil {
		return simkit.LinkSubscription{}, fmt.Errorf("Microsoft has no subscription %s under customer %s", subscriptionID, customerID)
	}
	return simkit.LinkSubscription{ID: sub.ID, OfferID: sub.OfferID, OrderID: sub.OrderID, Status: sub.Status,
		BillingCycle: sub.BillingCycle, TermDuration: sub.TermDuration, Quantity: sub.Quantity}, nil
}
