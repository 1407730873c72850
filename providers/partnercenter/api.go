// Package partnercenter is ferry's provider for Microsoft Partner Center: a client of the real REST
// API (v1), the subscription resource logic (legacy → New Commerce migrations and imports) and a
// simulator of the API used by tests and `ferry sandbox`.
package partnercenter

import (
	"encoding/json"
	"time"
)

// The JSON shapes below use the API's own field names. Enumerations are kept as strings because
// Microsoft adds values.

// Subscription is a Partner Center subscription (legacy or New Commerce).
type Subscription struct {
	ID                         string       `json:"id"`
	EntitlementID              string       `json:"entitlementId,omitempty"`
	OfferID                    string       `json:"offerId"`
	OfferName                  string       `json:"offerName,omitempty"`
	FriendlyName               string       `json:"friendlyName,omitempty"`
	Quantity                   int          `json:"quantity"`
	UnitType                   string       `json:"unitType,omitempty"`
	ParentSubscriptionID       string       `json:"parentSubscriptionId,omitempty"`
	CreationDate               *time.Time   `json:"creationDate,omitempty"`
	EffectiveStartDate         *time.Time   `json:"effectiveStartDate,omitempty"`
	CommitmentEndDate          *time.Time   `json:"commitmentEndDate,omitempty"`
	Status                     string       `json:"status"`
	AutoRenewEnabled           bool         `json:"autoRenewEnabled"`
	IsTrial                    bool         `json:"isTrial"`
	BillingType                string       `json:"billingType,omitempty"`
	BillingCycle               string       `json:"billingCycle"`
	TermDuration               string       `json:"termDuration,omitempty"`
	OrderID                    string       `json:"orderId,omitempty"`
	ContractType               string       `json:"contractType,omitempty"`
	MigratedFromSubscriptionID string       `json:"migratedFromSubscriptionId,omitempty"`
	PromotionID                string       `json:"promotionId,omitempty"`
	ProductType                *ProductType `json:"productType,omitempty"`
}

// ProductType names the product family of a subscription.
type ProductType struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName,omitempty"`
}

// SubscriptionList is the body of GET /customers/{c}/subscriptions.
type SubscriptionList struct {
	TotalCount int            `json:"totalCount"`
	Items      []Subscription `json:"items"`
	Links      *ResourceLinks `json:"links,omitempty"`
}

// ResourceLinks are the navigation links of a collection; Next is set when more pages follow.
type ResourceLinks struct {
	Next *Link `json:"next,omitempty"`
}

// Link is a request to make for a related resource, e.g. the next page of a collection.
type Link struct {
	URI     string         `json:"uri"`
	Method  string         `json:"method,omitempty"`
	Headers []KeyValuePair `json:"headers,omitempty"`
}

// KeyValuePair is one header of a Link, e.g. MS-ContinuationToken.
type KeyValuePair struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// MigrationRequest is the body of POST /customers/{c}/migrations/newcommerce and …/validate.
type MigrationRequest struct {
	CurrentSubscriptionID string           `json:"currentSubscriptionId"`
	Quantity              int              `json:"quantity,omitempty"`
	TermDuration          string           `json:"termDuration,omitempty"`
	BillingCycle          string           `json:"billingCycle,omitempty"`
	PurchaseFullTerm      bool             `json:"purchaseFullTerm"`
	CustomTermEndDate     *time.Time       `json:"customTermEndDate,omitempty"`
	ExternalReferenceID   string           `json:"externalReferenceId,omitempty"`
	AddOnMigrations       []AddOnMigration `json:"addOnMigrations,omitempty"`
}

// AddOnMigration is one add-on migrated together with its base.
type AddOnMigration struct {
	CurrentSubscriptionID     string     `json:"currentSubscriptionId"`
	Quantity                  int        `json:"quantity,omitempty"`
	TermDuration              string     `json:"termDuration,omitempty"`
	BillingCycle              string     `json:"billingCycle,omitempty"`
	PurchaseFullTerm          bool       `json:"purchaseFullTerm"`
	CustomTermEndDate         *time.Time `json:"customTermEndDate,omitempty"`
	CatalogItemID             string     `json:"catalogItemId,omitempty"`
	NewCommerceSubscriptionID string     `json:"newCommerceSubscriptionId,omitempty"`
}

// ValidationError is one reason a subscription is not eligible for migration.
type ValidationError struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

// ValidationResult is the body returned by POST …/migrations/newcommerce/validate.
type ValidationResult struct {
	CurrentSubscriptionID string            `json:"currentSubscriptionId"`
	IsEligible            bool              `json:"isEligible"`
	CatalogItemID         string            `json:"catalogItemId,omitempty"`
	Errors                []ValidationError `json:"errors,omitempty"`
}

// Migration statuses as the API reports them.
const (
	MigrationProcessing = "Processing"
	MigrationCompleted  = "Completed"
	MigrationFailed     = "Failed"
)

// Migration is a New Commerce migration.
type Migration struct {
	ID                        string           `json:"id"`
	StartedTime               *time.Time       `json:"startedTime,omitempty"`
	CompletedTime             *time.Time       `json:"completedTime,omitempty"`
	CurrentSubscriptionID     string           `json:"currentSubscriptionId"`
	Status                    string           `json:"status"`
	CustomerTenantID          string           `json:"customerTenantId,omitempty"`
	CatalogItemID             string           `json:"catalogItemId,omitempty"`
	NewCommerceSubscriptionID string           `json:"newCommerceSubscriptionId,omitempty"`
	NewCommerceOrderID        string           `json:"newCommerceOrderId,omitempty"`
	SubscriptionEndDate       *time.Time       `json:"subscriptionEndDate,omitempty"`
	Quantity                  int              `json:"quantity,omitempty"`
	TermDuration              string           `json:"termDuration,omitempty"`
	BillingCycle              string           `json:"billingCycle,omitempty"`
	PurchaseFullTerm          bool             `json:"purchaseFullTerm"`
	CustomTermEndDate         *time.Time       `json:"customTermEndDate,omitempty"`
	ExternalReferenceID       string           `json:"externalReferenceId,omitempty"`
	AddOnMigrations           []AddOnMigration `json:"addOnMigrations,omitempty"`
	ErrorCode                 string           `json:"errorCode,omitempty"`
	ErrorDescription          string           `json:"errorDescription,omitempty"`
}

// MigrationList is the body of GET /migrations/newcommerce?… (a search).
type MigrationList struct {
	TotalCount int            `json:"totalCount"`
	Items      []Migration    `json:"items"`
	Links      *ResourceLinks `json:"links,omitempty"`
}

// MigrationQuery filters GET /migrations/newcommerce; empty fields are left out of the query.
type MigrationQuery struct {
	CustomerTenantID      string
	CurrentSubscriptionID string
	ExternalReferenceID   string
}

// ErrorBody is Partner Center's error response body.
type ErrorBody struct {
	Code        int    `json:"code"`
	Description string `json:"description"`
	ErrorName   string `json:"errorName,omitempty"`
}

// UnmarshalJSON decodes a subscription leniently: Partner Center returns more fields than ferry
// reads (links, attributes, actions, …) and adds new ones, so unknown fields are ignored even by a
// strict decoder (a sandbox world may hold subscriptions pasted from real API answers).
func (s *Subscription) UnmarshalJSON(b []byte) error {
	type plain Subscription
	return json.Unmarshal(b, (*plain)(s))
}

// UnmarshalJSON decodes a migration leniently, for the same reason as Subscription.
func (m *Migration) UnmarshalJSON(b []byte) error {
	type plain Migration
	return json.Unmarshal(b, (*plain)(m))
}
