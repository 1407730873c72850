package commerce

import (
	"encoding/json"
	"strings"
)

// The simulator's own types. They are written from CloudBlue's documented APS order-management
// shapes (the Manage Orders guide, the NCE migration guide's ordering parameters; see
// docs/providers.md and testdata/README.md) independently of the client's (api.go), so that one
// wrong field name cannot pass every test: the fixtures in testdata/ are decoded by the client
// (sim_fixture_test.go) and compared key for key with what these encode (sim_shapes_test.go). The
// simulator uses no client type, constant or helper.

// Paths the simulator serves.
const (
	simPathOrders        = "/aps/2/services/order-manager/orders"
	simPathSubscriptions = "/aps/2/services/subscription-manager/subscriptions"
)

// Order types, statuses and ordering parameter keys, as the simulator reads and writes them.
const (
	simOrderSales        = "SALES"
	simOrderChange       = "CHANGE"
	simOrderCancellation = "CANCELLATION"

	simStatusCompleted    = "COMPLETED"
	simStatusFailed       = "FAILED"
	simStatusProcessing   = "PROCESSING"
	simStatusProvisioning = "PROVISIONING"

	simSubscriptionActive     = "ACTIVE"
	simSubscriptionTerminated = "TERMINATED"

	simParamTransactionInfo = "transaction_info_object"
	simParamMigrationInfo   = "migration_info_object"
	simParamMicrosoftDomain = "microsoft_domain"
	simParamTransactionID   = "transaction_id"

	simTransactionNCEMigrationAddon = "NCEmigrationAddon"
)

// SimWorld is the "commerce" section of a sandbox world.
type SimWorld struct {
	Accounts []SimAccount `json:"accounts"`
	// Plans are the plans orders may name (empty: any plan).
	Plans map[string]SimPlan `json:"plans,omitempty"`
	// Orders are the orders placed so far, as GET …/orders/{orderId} answers them.
	Orders []SimOrder `json:"orders"`
}

// SimAccount is a Commerce account with its subscriptions.
type SimAccount struct {
	ID            string            `json:"id"`
	Subscriptions []SimSubscription `json:"subscriptions"`
}

// SimPlan is a service plan.
type SimPlan struct {
	Name string `json:"name,omitempty"`
}

// SimSubscription is a Commerce subscription as the subscription list answers it (an inferred shape:
// see docs/providers.md).
type SimSubscription struct {
	ID        string `json:"id"`
	AccountID string `json:"accountId,omitempty"`
	PlanID    string `json:"planId"`
	Status    string `json:"status"`
	// VendorSubscriptionID is the Microsoft subscription the Commerce subscription is synced with.
	VendorSubscriptionID string         `json:"vendorSubscriptionId,omitempty"`
	Parameters           []SimParameter `json:"parameters,omitempty"`
}

// SimOrder is an order-manager order: the body of placeOrder (POST …/orders) as it was sent, with
// what the order manager adds (orderId, orderNumber, status, provisioningStatus, creationTime,
// details, and the new subscription of a completed SALES line).
type SimOrder struct {
	OrderID string `json:"orderId,omitempty"`
	// OrderNumber is the Billing order number (SO…).
	OrderNumber string `json:"orderNumber,omitempty"`
	Type        string `json:"type"`
	AccountID   string `json:"accountId"`
	// SubscriptionID is a subscription named at the top of the order, where CloudBlue's aps1toconnect
	// tool writes it on a CHANGE order.
	SubscriptionID     string            `json:"subscriptionId,omitempty"`
	Status             string            `json:"status,omitempty"`
	ProvisioningStatus string            `json:"provisioningStatus,omitempty"`
	CreationTime       string            `json:"creationTime,omitempty"`
	Details            string            `json:"details,omitempty"`
	Products           []SimOrderProduct `json:"products"`
}

// SimOrderProduct is one line of an order: planId, period and resources as placeOrder documents
// them, the ordering parameters, and the subscription a CHANGE or CANCELLATION line names (or a
// completed SALES line created).
type SimOrderProduct struct {
	PlanID         string             `json:"planId,omitempty"`
	Period         *SimPeriod         `json:"period,omitempty"`
	SubscriptionID string             `json:"subscriptionId,omitempty"`
	Resources      []SimOrderResource `json:"resources,omitempty"`
	Parameters     []SimParameter     `json:"parameters,omitempty"`
}

// SimPeriod is a plan period of an order line.
type SimPeriod struct {
	Unit     string `json:"unit"`
	Duration int    `json:"duration"`
}

// SimOrderResource is a resource amount of an order line.
type SimOrderResource struct {
	ResourceID string  `json:"resourceId"`
	Amount     float64 `json:"amount"`
}

// SimParameter is one ordering parameter, {key, value} or {key, structured_value}, as CloudBlue's NCE
// migration guide writes them.
type SimParameter struct {
	Key             string          `json:"key"`
	Value           string          `json:"value,omitempty"`
	StructuredValue json.RawMessage `json:"structured_value,omitempty"`
}

// simTransactionInfo is transaction_info_object as the NCE migration guide documents it.
type simTransactionInfo struct {
	TransactionType  string     `json:"transaction_type"`
	MSCustomerID     string     `json:"ms_customer_id"`
	CSPOrderID       string     `json:"csp_order_id"`
	SubscriptionID   string     `json:"subscription_id"`
	PurchaseFullTerm *bool      `json:"purchaseFullTerm"`
	Addons           []simAddon `json:"addons"`
}

// simAddon is one entry of transaction_info_object.addons.
type simAddon struct {
	SubscriptionID   string `json:"subscription_id"`
	TermDuration     string `json:"termDuration"`
	BillingCycle     string `json:"billingCycle"`
	PurchaseFullTerm bool   `json:"purchaseFullTerm"`
}

// simMigrationInfo is migration_info_object of CloudBlue's import procedure.
type simMigrationInfo struct {
	MSCustomerID   string `json:"ms_customer_id"`
	SubscriptionID string `json:"subscription_id"`
	CSPOrderID     string `json:"csp_order_id"`
}

// simCreatedOrder is placeOrder's answer.
type simCreatedOrder struct {
	OrderID string `json:"orderId"`
}

// simAPSError is an APS error body.
type simAPSError struct {
	Code    int    `json:"code"`
	Type    string `json:"type"`
	Message string `json:"message"`
}

// simEstimate is the simulator's answer to POST …/orders/estimate: the order's lines and a total
// (the shape is inferred; ferry reads only whether the estimate succeeded).
type simEstimate struct {
	Type      string            `json:"type"`
	AccountID string            `json:"accountId"`
	Products  []SimOrderProduct `json:"products"`
	Total     simPrice          `json:"total"`
}

type simPrice struct {
	Currency string `json:"currency"`
	Amount   string `json:"amount"`
}

// param returns the plain value of parameter key of the order's lines ("" when absent).
func (o *SimOrder) param(key string) string {
	for _, p := range o.Products {
		for _, q := range p.Parameters {
			if q.Key == key && q.Value != "" {
				return q.Value
			}
		}
	}
	return ""
}

// transaction returns the base's transaction_info_object (any transaction_type but
// NCEmigrationAddon), or nil.
func (o *SimOrder) transaction() *simTransactionInfo {
	for _, p := range o.Products {
		if t := p.transaction(); t != nil && t.TransactionType != simTransactionNCEMigrationAddon {
			return t
		}
	}
	return nil
}

// addonPlans returns the plans of the lines whose transaction_info_object is an add-on's, in order.
func (o *SimOrder) addonPlans() []string {
	var out []string
	for _, p := range o.Products {
		if t := p.transaction(); t != nil && t.TransactionType == simTransactionNCEMigrationAddon {
			out = append(out, p.PlanID)
		}
	}
	return out
}

// transaction decodes the line's transaction_info_object (nil: absent or unreadable).
func (p *SimOrderProduct) transaction() *simTransactionInfo {
	for _, q := range p.Parameters {
		if q.Key == simParamTransactionInfo && len(q.StructuredValue) > 0 {
			var t simTransactionInfo
			if json.Unmarshal(q.StructuredValue, &t) == nil {
				return &t
			}
		}
	}
	return nil
}

// migration returns the order's migration_info_object (an adoption), or nil.
func (o *SimOrder) migration() *simMigrationInfo {
	for _, p := range o.Products {
		for _, q := range p.Parameters {
			if q.Key == simParamMigrationInfo && len(q.StructuredValue) > 0 {
				var m simMigrationInfo
				if json.Unmarshal(q.StructuredValue, &m) == nil && m.SubscriptionID != "" {
					return &m
				}
			}
		}
	}
	return nil
}

// subscription returns the subscription the order's first line names, or else the one named at the
// top of the order ("" for none).
func (o *SimOrder) subscription() string {
	for _, p := range o.Products {
		if p.SubscriptionID != "" {
			return p.SubscriptionID
		}
	}
	return o.SubscriptionID
}

// ended reports whether the order has ended (completed or failed) and need not be progressed: its
// provisioningStatus says so or, when it has none, its status does; a FAILED status always ends it.
func (o *SimOrder) ended() bool {
	if strings.EqualFold(o.Status, simStatusFailed) || strings.EqualFold(o.ProvisioningStatus, simStatusFailed) {
		return true
	}
	if o.ProvisioningStatus != "" {
		return strings.EqualFold(o.ProvisioningStatus, simStatusCompleted)
	}
	return strings.EqualFold(o.Status, simStatusCompleted)
}
