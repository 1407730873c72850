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
