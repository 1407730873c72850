package table

import (
	"context"

	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/providers/commerce"
	"github.com/ferry-dev/ferry/providers/partnercenter"
)

// partnerCenterReader opens a Partner Center client from the spec's partnercenter block (defaults
// when there is none) for the commerce provider's adoption and add-on checks. The table is the one place that
// names both providers; each keeps its own types.
func partnerCenterReader(ctx context.Context, env providers.Env) commerce.Microsoft {
	cfg, ok := env.Blocks[partnercenter.Name]
	if !ok {
		cfg = providers.Config{Name: partnercenter.Name}
	}
	settings, err := partnercenter.DecodeSettings(cfg)
	if err != nil {
		return commerce.Unavailable(err)
	}
	c, err := partnercenter.NewClientFor(ctx, settings, env)
	if err != nil {
		return commerce.Unavailable(err)
	}
	return pcReader{c: c}
}

// pcReader lists a customer's Microsoft subscriptions through the Partner Center client.
type pcReader struct{ c *partnercenter.Client }

func (r pcReader) Subscriptions(ctx context.Context, customerID string) ([]commerce.MicrosoftSubscription, error) {
	subs, err := r.c.ListSubscriptions(ctx, customerID)
	if partnercenter.IsNotFound(err) {
		return nil, nil // no such customer: none of the adopted subscriptions exists
	}
	if err != nil {
		return nil, err
	}
	out := make([]commerce.MicrosoftSubscription, 0, len(subs))
	for _, s := range subs {
		out = append(out, commerce.MicrosoftSubscription{ID: s.ID, OfferID: s.OfferID, OrderID: s.OrderID, Status: s.Status,
			Quantity: s.Quantity, BillingCycle: s.BillingCycle, TermDuration: s.TermDuration, MigratedFrom: s.MigratedFromSubscriptionID,
			ParentID: s.ParentSubscriptionID})
	}
	return out, nil
}

// Validate runs Partner Center's eligibility check for the migration a Commerce order would ask for.
func (r pcReader) Validate(ctx context.Context, customerID string, check commerce.EligibilityCheck) ([]string, error) {
	req := partnercenter.MigrationRequest{CurrentSubscriptionID: check.LegacyID, Quantity: check.Quantity, TermDuration: check.TermDuration,
		BillingCycle: check.BillingCycle, PurchaseFullTerm: check.PurchaseFullTerm}
	for _, a := range check.Addons {
		req.AddOnMigrations = append(req.AddOnMigrations, partnercenter.AddOnMigration{CurrentSubscriptionID: a.ID,
			Quantity: a.Quantity, TermDuration: a.TermDuration, BillingCycle: a.BillingCycle, PurchaseFullTerm: a.PurchaseFullTerm})
	}
	res, err := r.c.ValidateMigration(ctx, customerID, req)
	if err != nil {
		return nil, err
	}
	if res.IsEligible {
		return nil, nil
	}
	if reasons := res.Reasons(); len(reasons) > 0 {
		return reasons, nil
	}
	return []string{"Partner Center answered isEligible false without giving a reason"}, nil
}
