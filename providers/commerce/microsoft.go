package commerce

import (
	"context"
	"fmt"
	"strings"
)

// MicrosoftSubscription is what an adoption checks of the Microsoft subscription it adopts, in the
// commerce provider's own words (the Partner Center client's types stay in its package).
type MicrosoftSubscription struct {
	ID           string
	OfferID      string
	OrderID      string // Partner Center orderId: the csp_order_id of migration_info_object
	Status       string
	Quantity     int
	BillingCycle string
	TermDuration string
	// MigratedFrom is the legacy subscription the New Commerce one was migrated from ("" for none).
	MigratedFrom string
	// ParentID is the base subscription of an add-on (parentSubscriptionId; "" for a base).
	ParentID string
}

// Microsoft reads the Microsoft side of an adoption, and the legacy add-ons of a migration. The provider table wires it to a Partner
// Center client opened from the spec's provider "partnercenter" block (or the sandbox), so that
// this package never names another provider's client.
type Microsoft interface {
	// Subscriptions lists a customer's subscriptions (one list per customer, however many of its
	// subscriptions are adopted).
	Subscriptions(ctx context.Context, customerID string) ([]MicrosoftSubscription, error)
	// Validate asks Partner Center whether a migration is eligible (…/migrations/newcommerce/validate,
	// which the Connect processor also calls before it migrates): nil reasons when it is, else each
	// eligibility error as "Name (code): description".
	Validate(ctx context.Context, customerID string, check EligibilityCheck) (reasons []string, err error)
}

// EligibilityCheck is the migration a Commerce order would ask Microsoft for, in the commerce
// provider's words.
type EligibilityCheck struct {
	LegacyID         string
	Quantity         int
	TermDuration     string
	BillingCycle     string
	PurchaseFullTerm bool
	Addons           []EligibilityAddon
}

// EligibilityAddon is one add-on of an EligibilityCheck.
type EligibilityAddon struct {
	ID               string
	Quantity         int
	TermDuration     string
	BillingCycle     string
	PurchaseFullTerm bool
}

// noMicrosoft is the Microsoft side when it cannot be read: every read says why.
type noMicrosoft struct{ why error }

func (n noMicrosoft) Subscriptions(context.Context, string) ([]MicrosoftSubscription, error) {
	return nil, n.why
}

func (n noMicrosoft) Validate(context.Context, string, EligibilityCheck) ([]string, error) {
	return nil, n.why
}

// Unavailable returns a Microsoft whose every read fails with why (a Partner Center provider that
// could not be opened: no credentials, a bad provider block).
func Unavailable(why error) Microsoft {
	return noMicrosoft{why: fmt.Errorf("Partner Center cannot be read to check an adoption: %w", why)}
}

// isNCEOffer reports whether an offer ID is a New Commerce one (PRODUCT:SKU[:AVAILABILITY]); a
// legacy offer ID is a GUID.
func isNCEOffer(offerID string) bool { return strings.Contains(offerID, ":") }
