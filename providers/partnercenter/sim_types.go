package partnercenter

import (
	"encoding/json"
	"strings"
	"time"
)

// The simulator's own wire types. They are written from Microsoft's documentation and SDK models
// independently of the client's (api.go), so that one wrong field name cannot pass every test:
// the fixtures in testdata/ are decoded by the client and compared key for key with what these
// encode (sim_shapes_test.go).

// simSubscriptionWire is a subscription as GET …/subscriptions answers it.
type simSubscriptionWire struct {
	ID                         string           `json:"id"`
	EntitlementID              string           `json:"entitlementId,omitempty"`
	OfferID                    string           `json:"offerId"`
	OfferName                  string           `json:"offerName,omitempty"`
	FriendlyName               string           `json:"friendlyName,omitempty"`
	Quantity                   int              `json:"quantity"`
	UnitType                   string           `json:"unitType,omitempty"`
	ParentSubscriptionID       string           `json:"parentSubscriptionId,omitempty"`
	CreationDate               *time.Time       `json:"creationDate,omitempty"`
	EffectiveStartDate         *time.Time       `json:"effectiveStartDate,omitempty"`
	CommitmentEndDate          *time.Time       `json:"commitmentEndDate,omitempty"`
	Status                     string           `json:"status"`
	AutoRenewEnabled           bool             `json:"autoRenewEnabled"`
	IsTrial                    bool             `json:"isTrial"`
	BillingType                string           `json:"billingType,omitempty"`
	BillingCycle               string           `json:"billingCycle"`
	TermDuration               string           `json:"termDuration,omitempty"`
	OrderID                    string           `json:"orderId,omitempty"`
	ContractType               string           `json:"contractType,omitempty"`
	MigratedFromSubscriptionID string           `json:"migratedFromSubscriptionId,omitempty"`
	PromotionID                string           `json:"promotionId,omitempty"`
	ProductType                *simProductType  `json:"productType,omitempty"`
	Attributes                 simAttributes    `json:"attributes"`
	Links                      *simResourceLink `json:"links,omitempty"`
}

type simProductType struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName,omitempty"`
}

// simAttributes is the "attributes" object every Partner Center resource carries.
type simAttributes struct {
	ObjectType string `json:"objectType"`
}

type simResourceLink struct {
	Self *simLink `json:"self,omitempty"`
	Next *simLink `json:"next,omitempty"`
}

type simLink struct {
	URI     string        `json:"uri"`
	Method  string        `json:"method"`
	Headers []simKeyValue `json:"headers"`
}

type simKeyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// simSubscriptionList is the collection GET /customers/{c}/subscriptions answers.
type simSubscriptionList struct {
	TotalCount int                   `json:"totalCount"`
	Items      []simSubscriptionWire `json:"items"`
	Links      *simResourceLink      `json:"links,omitempty"`
	Attributes simAttributes         `json:"attributes"`
}

// simMigrationRequest is the body of POST …/newcommerce and …/validate as the simulator reads it
// (the SDK's NewCommerceMigration; add-ons have the same shape).
type simMigrationRequest struct {
	CurrentSubscriptionID string                `json:"currentSubscriptionId"`
	Quantity              int                   `json:"quantity"`
	TermDuration          string                `json:"termDuration"`
	BillingCycle          string                `json:"billingCycle"`
	PurchaseFullTerm      bool                  `json:"purchaseFullTerm"`
	CustomTermEndDate     *time.Time            `json:"customTermEndDate"`
	ExternalReferenceID   string                `json:"externalReferenceId"`
	AddOnMigrations       []simMigrationRequest `json:"addOnMigrations"`
}

// simEligibility is the answer of validate (the SDK's NewCommerceEligibility).
type simEligibility struct {
	CurrentSubscriptionID string                `json:"currentSubscriptionId"`
	IsEligible            bool                  `json:"isEligible"`
	CatalogItemID         string                `json:"catalogItemId"`
	TermDuration          string                `json:"termDuration"`
	BillingCycle          string                `json:"billingCycle"`
	CustomTermEndDate     *time.Time            `json:"customTermEndDate"`
	Errors                []simEligibilityError `json:"errors"`
	AddOnMigrations       []simEligibility      `json:"addOnMigrations"`
}

// simEligibilityError is one reason: an integer NewCommerceEligibilityErrorCode and a description.
type simEligibilityError struct {
	Code        int    `json:"code"`
	Description string `json:"description"`
}

// simMigrationWire is a migration (the SDK's NewCommerceMigration); add-ons have the same shape.
type simMigrationWire struct {
	ID                        string             `json:"id"`
	StartedTime               *time.Time         `json:"startedTime,omitempty"`
	CompletedTime             *time.Time         `json:"completedTime,omitempty"`
	CurrentSubscriptionID     string             `json:"currentSubscriptionId"`
	Status                    string             `json:"status"`
	CustomerTenantID          string             `json:"customerTenantId"`
	CatalogItemID             string             `json:"catalogItemId"`
	NewCommerceSubscriptionID string             `json:"newCommerceSubscriptionId,omitempty"`
	NewCommerceOrderID        string             `json:"newCommerceOrderId,omitempty"`
	SubscriptionEndDate       *time.Time         `json:"subscriptionEndDate,omitempty"`
	Quantity                  int                `json:"quantity"`
	TermDuration              string             `json:"termDuration"`
	BillingCycle              string             `json:"billingCycle"`
	PurchaseFullTerm          bool               `json:"purchaseFullTerm"`
	CustomTermEndDate         *time.Time         `json:"customTermEndDate,omitempty"`
	ExternalReferenceID       string             `json:"externalReferenceId,omitempty"`
	AddOnMigrations           []simMigrationWire `json:"addOnMigrations"`
	// ErrorDescription is not in the documented model; the simulator explains a failure with it.
	ErrorDescription string `json:"errorDescription,omitempty"`
}

// simErrorBody is Partner Center's error answer.
type simErrorBody struct {
	Code        int    `json:"code"`
	Description string `json:"description"`
	Data        []any  `json:"data"`
	Source      string `json:"source"`
}

// simThrottleBody is the answer of a throttled request (429).
type simThrottleBody struct {
	StatusCode int    `json:"statusCode"`
	Message    string `json:"message"`
}

func simSubscriptionOf(s *Subscription) simSubscriptionWire {
	w := simSubscriptionWire{
		ID: s.ID, EntitlementID: s.EntitlementID, OfferID: s.OfferID, OfferName: s.OfferName,
		FriendlyName: s.FriendlyName, Quantity: s.Quantity, UnitType: s.UnitType,
		ParentSubscriptionID: s.ParentSubscriptionID, CreationDate: s.CreationDate,
		EffectiveStartDate: s.EffectiveStartDate, CommitmentEndDate: s.CommitmentEndDate, Status: s.Status,
		AutoRenewEnabled: s.AutoRenewEnabled, IsTrial: s.IsTrial, BillingType: s.BillingType,
		BillingCycle: s.BillingCycle, TermDuration: s.TermDuration, OrderID: s.OrderID,
		ContractType: s.ContractType, MigratedFromSubscriptionID: s.MigratedFromSubscriptionID,
		PromotionID: s.PromotionID, Attributes: simAttributes{ObjectType: "Subscription"},
	}
	if s.ProductType != nil {
		w.ProductType = &simProductType{ID: s.ProductType.ID, DisplayName: s.ProductType.DisplayName}
	}
	return w
}

// simMigrationOf and Migration convert between a world file's migration and the wire's.
func simMigrationOf(m Migration) simMigrationWire {
	w := simMigrationWire{
		ID: m.ID, StartedTime: m.StartedTime, CompletedTime: m.CompletedTime,
		CurrentSubscriptionID: m.CurrentSubscriptionID, Status: m.Status, CustomerTenantID: m.CustomerTenantID,
		CatalogItemID: m.CatalogItemID, NewCommerceSubscriptionID: m.NewCommerceSubscriptionID,
		NewCommerceOrderID: m.NewCommerceOrderID, SubscriptionEndDate: m.SubscriptionEndDate,
		Quantity: m.Quantity, TermDuration: m.TermDuration, BillingCycle: m.BillingCycle,
		PurchaseFullTerm: m.PurchaseFullTerm, CustomTermEndDate: m.CustomTermEndDate,
		ExternalReferenceID: m.ExternalReferenceID, ErrorDescription: m.ErrorDescription,
		AddOnMigrations: []simMigrationWire{},
	}
	for _, a := range m.AddOnMigrations {
		w.AddOnMigrations = append(w.AddOnMigrations, simMigrationWire{
			CurrentSubscriptionID: a.CurrentSubscriptionID, Quantity: a.Quantity, TermDuration: a.TermDuration,
			BillingCycle: a.BillingCycle, PurchaseFullTerm: a.PurchaseFullTerm, CatalogItemID: a.CatalogItemID,
			NewCommerceSubscriptionID: a.NewCommerceSubscriptionID, Status: m.Status, CustomerTenantID: m.CustomerTenantID,
			AddOnMigrations: []simMigrationWire{},
		})
	}
	return w
}

func (w simMigrationWire) world() Migration {
	m := Migration{
		ID: w.ID, StartedTime: w.StartedTime, CompletedTime: w.CompletedTime,
		CurrentSubscriptionID: w.CurrentSubscriptionID, Status: w.Status, CustomerTenantID: w.CustomerTenantID,
		CatalogItemID: w.CatalogItemID, NewCommerceSubscriptionID: w.NewCommerceSubscriptionID,
		NewCommerceOrderID: w.NewCommerceOrderID, SubscriptionEndDate: w.SubscriptionEndDate,
		Quantity: w.Quantity, TermDuration: w.TermDuration, BillingCycle: w.BillingCycle,
		PurchaseFullTerm: w.PurchaseFullTerm, CustomTermEndDate: w.CustomTermEndDate,
		ExternalReferenceID: w.ExternalReferenceID, ErrorDescription: w.ErrorDescription,
	}
	for _, a := range w.AddOnMigrations {
		m.AddOnMigrations = append(m.AddOnMigrations, AddOnMigration{
			CurrentSubscriptionID: a.CurrentSubscriptionID, Quantity: a.Quantity, TermDuration: a.TermDuration,
			BillingCycle: a.BillingCycle, PurchaseFullTerm: a.PurchaseFullTerm, CatalogItemID: a.CatalogItemID,
			NewCommerceSubscriptionID: a.NewCommerceSubscriptionID,
		})
	}
	return m
}

// migrationBillingCycle spells a billing cycle as migrations do ("Monthly", "Annual").
func migrationBillingCycle(b string) string {
	if b == "" {
		return b
	}
	return strings.ToUpper(b[:1]) + strings.ToLower(b[1:])
}

// decodeSimRequest reads a migration request body.
func decodeSimRequest(body []byte) (simMigrationRequest, error) {
	var req simMigrationRequest
	err := json.Unmarshal(body, &req)
	return req, err
}
