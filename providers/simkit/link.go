package simkit

import (
	"errors"
	"sync"
)

// Link lets the simulators of one sandbox keep their worlds consistent, as CloudBlue keeps
// Commerce, Connect and Microsoft consistent: a completed Commerce migration order is fulfilled by
// Connect with Microsoft, a cancellation terminates the Connect asset. Each simulator registers the
// side it plays; the one that completes work calls the others through this neutral vocabulary, so
// that no simulator imports another provider's package. A side that is not registered (a sandbox
// without that simulator) is skipped.
//
// Lock order: a simulator may call the link while holding its own lock; the Microsoft and Connect
// sides never call the link back, so there is no cycle.
type Link struct {
	mu        sync.RWMutex
	microsoft MicrosoftSide
	connect   ConnectSide
}

// ErrNotInWorld is what a side answers when the world it simulates does not hold the customer at
// all: the caller then proceeds unlinked (a sandbox world that leaves that system out).
var ErrNotInWorld = errors.New("not in this sandbox world")

// MicrosoftSide is Partner Center as the other simulators reach it.
type MicrosoftSide interface {
	// Migrate migrates a legacy subscription (and the add-ons listed) to New Commerce at once, as
	// Connect's processor does with Microsoft when it fulfils a migration order.
	Migrate(req LinkMigration) (LinkMigrated, error)
	// Subscription reads one subscription of a customer (ErrNotInWorld when the customer is unknown).
	Subscription(customerID, subscriptionID string) (LinkSubscription, error)
}

// ConnectSide is CloudBlue Connect as the other simulators reach it.
type ConnectSide interface {
	// Fulfil records a fulfilled order: an approved purchase (or change) request and its active
	// asset, carrying the Microsoft subscription and the order's transaction_id. It answers the asset.
	Fulfil(f LinkFulfilment) (assetID string, err error)
	// Terminate terminates the active asset of a Microsoft subscription with an approved cancel
	// request (no asset: nothing to do).
	Terminate(microsoftSubscriptionID, transactionID string) error
}

// LinkMigration is a migration Connect asks Microsoft for.
type LinkMigration struct {
	CustomerID       string
	SubscriptionID   string // the legacy base (or add-on migrated alone)
	PurchaseFullTerm bool
	AddOns           []LinkAddOn
	// Reference is sent as the migration's externalReferenceId (the order's transaction_id).
	Reference string
}

// LinkAddOn is an add-on migrated with its base.
type LinkAddOn struct {
	SubscriptionID   string
	TermDuration     string
	BillingCycle     string
	PurchaseFullTerm bool
}

// LinkMigrated is what a migration created: the New Commerce subscription of the base and of each
// add-on (by legacy ID, lower case).
type LinkMigrated struct {
	SubscriptionID string
	AddOns         map[string]string
}

// LinkSubscription is a Microsoft subscription as an adoption checks it.
type LinkSubscription struct {
	ID, OfferID, OrderID, Status, BillingCycle, TermDuration string
	Quantity                                                 int
}

// LinkFulfilment is an order Connect fulfilled.
type LinkFulfilment struct {
	// Type is the Connect request type: "purchase" or "change".
	Type            string
	TransactionID   string
	CustomerID      string // the Microsoft customer
	MicrosoftDomain string
	// SubscriptionID is the Microsoft subscription the asset now stands for.
	SubscriptionID string
	// Replaces is the Microsoft subscription whose asset a change request moves to SubscriptionID.
	Replaces string
}

// NewLink returns a link with no sides.
func NewLink() *Link { return &Link{} }

// SetMicrosoft registers the Microsoft side.
func (l *Link) SetMicrosoft(m MicrosoftSide) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.microsoft = m
}

// SetConnect registers the Connect side.
func (l *Link) SetConnect(c ConnectSide) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.connect = c
}

// Microsoft returns the Microsoft side, or nil.
func (l *Link) Microsoft() MicrosoftSide {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.microsoft
}

// Connect returns the Connect side, or nil.
func (l *Link) Connect() ConnectSide {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.connect
}
