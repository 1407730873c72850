// Package partnercenter is ferry's provider for Microsoft Partner Center: a client of the real REST
// API (v1), the subscription resource logic (legacy → New Commerce migrations and imports) and a
// simulator of the API used by tests and `ferry sandbox`.
package partnercenter

import (
	"encoding/json"
	"fmt"
	"strconv"
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

// ValidationError is one reason a subscription is not eligible for migration: an integer code of
// NewCommerceEligibilityErrorCode and Microsoft's description.
type ValidationError struct {
	Code        int    `json:"code"`
	Description string `json:"description"`
}

// The codes of NewCommerceEligibilityErrorCode (the .NET SDK's enumeration, answered as integers).
const (
	EligibilitySubscriptionStatusNotActive                     = 0
	EligibilitySubscriptionBeingProcessingInOms                = 1
	EligibilitySubscriptionTooCloseToTermEnd                   = 2
	EligibilitySubscriptionPromotionsPresent                   = 3
	EligibilitySubscriptionAddOnsPresent                       = 4
	EligibilityNewCommerceProductUnavailable                   = 5
	EligibilityTermDurationBillingCycleCombinationNotSupported = 6
	EligibilitySubscriptionActiveForLessThanOneMonth           = 7
	EligibilityTradeStatusNotAllowed                           = 8
	EligibilityInvalidPartnerIdOnRecord                        = 9
	EligibilityLastDayOfTermRequiresPurchaseFullTerm           = 10
	EligibilityInvalidCustomTermEndDate                        = 11
	EligibilityCustomTermEndDateNotAligned                     = 12
)

// eligibilityCodeNames are the names of the codes: 0–8 as the SDK and Microsoft's bulk migration
// tool spell them; 9–12 are documented by meaning only, and their names here are ferry's.
var eligibilityCodeNames = [...]string{
	"SubscriptionStatusNotActive",
	"SubscriptionBeingProcessingInOms",
	"SubscriptionTooCloseToTermEnd",
	"SubscriptionPromotionsPresent",
	"SubscriptionAddOnsPresent",
	"NewCommerceProductUnavailable",
	"TermDurationBillingCycleCombinationNotSupported",
	"SubscriptionActiveForLessThanOneMonth",
	"TradeStatusNotAllowed",
	"InvalidPartnerIdOnRecord",
	"LastDayOfTermRequiresPurchaseFullTerm",
	"InvalidCustomTermEndDate",
	"CustomTermEndDateNotAligned",
}

// EligibilityCodeName names an eligibility error code; a code Microsoft added later is "Code<n>".
func EligibilityCodeName(code int) string {
	if code >= 0 && code < len(eligibilityCodeNames) {
		return eligibilityCodeNames[code]
	}
	return "Code" + strconv.Itoa(code)
}

// String is the reason as the plan shows it: "NewCommerceProductUnavailable (5): <description>".
func (e ValidationError) String() string {
	return fmt.Sprintf("%s (%d): %s", EligibilityCodeName(e.Code), e.Code, e.Description)
}

// ValidationResult is the body returned by POST …/migrations/newcommerce/validate (the SDK's
// NewCommerceEligibility): the eligibility of the base and, in AddOnMigrations, of each add-on.
type ValidationResult struct {
	CurrentSubscriptionID string             `json:"currentSubscriptionId"`
	IsEligible            bool               `json:"isEligible"`
	CatalogItemID         string             `json:"catalogItemId,omitempty"`
	TermDuration          string             `json:"termDuration,omitempty"`
	BillingCycle          string             `json:"billingCycle,omitempty"`
	CustomTermEndDate     *time.Time         `json:"customTermEndDate,omitempty"`
	Errors                []ValidationError  `json:"errors,omitempty"`
	AddOnMigrations       []ValidationResult `json:"addOnMigrations,omitempty"`
}

// Reasons lists every eligibility error of the result, the add-ons' prefixed with their id.
func (v *ValidationResult) Reasons() []string {
	var out []string
	for _, e := range v.Errors {
		out = append(out, e.String())
	}
	for _, a := range v.AddOnMigrations {
		for _, r := range a.Reasons() {
			out = append(out, "add-on "+a.CurrentSubscriptionID+": "+r)
		}
	}
	return out
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
	// ErrorDescription is not in the documented migration model (schedules carry errorCode and
	// errorDescription); it is read when present.
	ErrorDescription string `json:"errorDescription,omitempty"`
}

// MigrationQuery filters GET /migrations/newcommerce; empty fields are left out of the query.
type MigrationQuery struct {
	CustomerTenantID      string
	CurrentSubscriptionID string
	ExternalReferenceID   string
}

// ErrorBody is Partner Center's error response body, {code, description, data[], source}; a 429
// answers {statusCode, message} instead, which decodeErrorBody maps onto Code and Description.
type ErrorBody struct {
	Code        int               `json:"code"`
	Description string            `json:"description"`
	Data        []json.RawMessage `json:"data,omitempty"`
	Source      string            `json:"source,omitempty"`
	// CodeText keeps a code answered as a non-numeric string (undocumented; tolerated).
	CodeText string `json:"-"`
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
