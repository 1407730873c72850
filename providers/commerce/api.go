package commerce

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// This file is the one place that knows the shape of an APS order-manager order with the Connect
// ordering parameters. CloudBlue documents the order-manager resource (type, accountId,
// products[{planId, period, resources[{resourceId, amount}]}]) and, separately, the ordering
// parameters a Microsoft NCE migration order carries (transaction_info_object, microsoft_domain,
// transaction_id, migration_type); how the two meet in one request body is not publicly documented.
// ferry's choice, inferred and documented in docs/providers.md, is a parameters[] list on each
// product, each parameter {key, value} or {key, structured_value}, exactly as the Connect ordering
// parameters are written in CloudBlue's migration guide. Correct it here and nowhere else.

// Order types of the order manager.
const (
	OrderSales        = "SALES"
	OrderChange       = "CHANGE"
	OrderCancellation = "CANCELLATION"
)

// Order statuses as ferry reads them (compared case-insensitively; unknown ones mean "under way").
const (
	StatusCompleted = "COMPLETED"
	StatusFailed    = "FAILED"
)

// Transaction types of transaction_info_object.
const (
	TransactionNCEMigration      = "NCEmigration"
	TransactionNCEMigrationAddon = "NCEmigrationAddon"
)

// Ordering parameter keys.
const (
	ParamTransactionInfo = "transaction_info_object"
	ParamMicrosoftDomain = "microsoft_domain"
	ParamTransactionID   = "transaction_id"
	ParamMigrationType   = "migration_type"
	// ParamMigrationInfo marks an order as the import (adoption) of an existing Microsoft
	// subscription: the processor fills the fulfilment parameters from it and checks the offer,
	// quantity, billing cycle and term against Microsoft before it approves the order.
	ParamMigrationInfo = "migration_info_object"
)

// Order is an order-manager order: the request body of POST …/orders (without orderId and status)
// and the answer of GET …/orders/{orderId}.
type Order struct {
	OrderID   string `json:"orderId,omitempty"`
	Type      string `json:"type"`
	AccountID string `json:"accountId"`
	Status    string `json:"status,omitempty"`
	// ProvisioningStatus is where the order's provisioning stands (COMPLETED when done): CloudBlue's
	// own migration tool (aps1toconnect) waits on it, not on status, after placing an order.
	ProvisioningStatus string         `json:"provisioningStatus,omitempty"`
	Products           []OrderProduct `json:"products"`
	// TopSubscriptionID is a subscriptionId at the top of the order, where CloudBlue's aps1toconnect
	// tool writes it on a CHANGE order; ferry never sends it, and reads it when no line names one.
	TopSubscriptionID string `json:"subscriptionId,omitempty"`
	// CreationTime is when the order was placed (RFC 3339), as the order manager reports it.
	CreationTime string `json:"creationTime,omitempty"`
	// OrderNumber is the Billing order number ("SO000019"), numbered in the order orders are placed.
	OrderNumber string `json:"orderNumber,omitempty"`
	// Details explains a failed order.
	Details string `json:"details,omitempty"`
}

// OrderProduct is one line of an order. A SALES line names planId and period; a CHANGE line names the
// subscription and its new planId; a CANCELLATION line names the subscription.
type OrderProduct struct {
	PlanID         string          `json:"planId,omitempty"`
	Period         *Period         `json:"period,omitempty"`
	SubscriptionID string          `json:"subscriptionId,omitempty"`
	Resources      []OrderResource `json:"resources,omitempty"`
	Parameters     []Parameter     `json:"parameters,omitempty"`
}

// Period is a plan period.
type Period struct {
	Unit     string `json:"unit"`
	Duration int    `json:"duration"`
}

// OrderResource is a resource amount of an order line.
type OrderResource struct {
	ResourceID string `json:"resourceId"`
	Amount     int    `json:"amount"`
}

// Parameter is one ordering parameter: a plain value, or a structured one.
type Parameter struct {
	Key             string          `json:"key"`
	Value           string          `json:"value,omitempty"`
	StructuredValue json.RawMessage `json:"structured_value,omitempty"`
}

// TransactionInfo is transaction_info_object.
type TransactionInfo struct {
	TransactionType  string         `json:"transaction_type"`
	MSCustomerID     string         `json:"ms_customer_id,omitempty"`
	CSPOrderID       string         `json:"csp_order_id,omitempty"`
	SubscriptionID   string         `json:"subscription_id,omitempty"`
	PurchaseFullTerm *bool          `json:"purchaseFullTerm,omitempty"`
	Addons           []AddonMigrate `json:"addons,omitempty"`
}

// MigrationInfo is migration_info_object: the Microsoft subscription an adoption order imports.
type MigrationInfo struct {
	MSCustomerID   string `json:"ms_customer_id"`
	SubscriptionID string `json:"subscription_id"`
	CSPOrderID     string `json:"csp_order_id"`
}

// AddonMigrate is one entry of transaction_info_object.addons.
type AddonMigrate struct {
	SubscriptionID   string `json:"subscription_id"`
	TermDuration     string `json:"termDuration"`
	BillingCycle     string `json:"billingCycle"`
	PurchaseFullTerm bool   `json:"purchaseFullTerm"`
}

// Subscription is a Commerce subscription of an account, as the subscription list answers it.
type Subscription struct {
	ID        string `json:"id"`
	AccountID string `json:"accountId,omitempty"`
	PlanID    string `json:"planId"`
	Status    string `json:"status"`
	// VendorSubscriptionID is the Microsoft subscription the Commerce subscription is synced with
	// (inferred name).
	VendorSubscriptionID string      `json:"vendorSubscriptionId,omitempty"`
	Parameters           []Parameter `json:"parameters,omitempty"`
}

// Subscription statuses ferry reads.
const (
	SubscriptionActive     = "ACTIVE"
	SubscriptionTerminated = "TERMINATED"
)

// CreatedOrder is the answer of POST …/orders.
type CreatedOrder struct {
	OrderID string `json:"orderId"`
}

// Param returns the plain value of parameter key of the order's lines ("" when absent).
func (o *Order) Param(key string) string {
	for _, p := range o.Products {
		for _, q := range p.Parameters {
			if q.Key == key && q.Value != "" {
				return q.Value
			}
		}
	}
	return ""
}

// Transaction returns the order's transaction_info_object of the base (NCEmigration), or nil; the
// NCEmigrationAddon objects of add-on lines are not it.
func (o *Order) Transaction() *TransactionInfo {
	for _, p := range o.Products {
		for _, q := range p.Parameters {
			if q.Key == ParamTransactionInfo && len(q.StructuredValue) > 0 {
				var t TransactionInfo
				if json.Unmarshal(q.StructuredValue, &t) == nil && t.TransactionType != TransactionNCEMigrationAddon {
					return &t
				}
			}
		}
	}
	return nil
}

// AddonLines returns the order's add-on lines (transaction_type NCEmigrationAddon), in order.
func (o *Order) AddonLines() []OrderProduct {
	var out []OrderProduct
	for _, p := range o.Products {
		for _, q := range p.Parameters {
			if q.Key == ParamTransactionInfo && len(q.StructuredValue) > 0 {
				var t TransactionInfo
				if json.Unmarshal(q.StructuredValue, &t) == nil && t.TransactionType == TransactionNCEMigrationAddon {
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// Migration returns the order's migration_info_object (an adoption), or nil.
func (o *Order) Migration() *MigrationInfo {
	for _, p := range o.Products {
		for _, q := range p.Parameters {
			if q.Key == ParamMigrationInfo && len(q.StructuredValue) > 0 {
				var m MigrationInfo
				if json.Unmarshal(q.StructuredValue, &m) == nil && m.SubscriptionID != "" {
					return &m
				}
			}
		}
	}
	return nil
}

// SubscriptionID returns the subscription the order's first line names, or else the one the order
// names at its top ("" for none).
func (o *Order) SubscriptionID() string {
	for _, p := range o.Products {
		if p.SubscriptionID != "" {
			return p.SubscriptionID
		}
	}
	return o.TopSubscriptionID
}

// Completed reports whether the order is done: its provisioningStatus is COMPLETED or, when the
// answer has no provisioningStatus, its status is (case-insensitively). An order whose status says
// completed while its provisioning is still under way is not done yet.
func (o *Order) Completed() bool {
	if o.ProvisioningStatus != "" {
		return strings.EqualFold(o.ProvisioningStatus, StatusCompleted)
	}
	return strings.EqualFold(o.Status, StatusCompleted)
}

// Progress names where an order under way stands, for messages: its provisioningStatus (what
// ferry waits on), else its status, else "under way" (an answer may carry either, or neither).
func (o *Order) Progress() string {
	switch {
	case o.ProvisioningStatus != "":
		return strings.ToLower(o.ProvisioningStatus)
	case o.Status != "":
		return strings.ToLower(o.Status)
	}
	return "under way"
}

// Failed reports whether the order failed (its status or its provisioningStatus says FAILED).
func (o *Order) Failed() bool {
	return strings.EqualFold(o.Status, StatusFailed) || strings.EqualFold(o.ProvisioningStatus, StatusFailed)
}

// MigrationOrder is what a SALES migration order says.
type MigrationOrder struct {
	AccountID        string
	PlanID           string
	MSCustomerID     string
	LegacyID         string // Microsoft legacy subscription ID
	CSPOrderID       string
	PurchaseFullTerm bool
	Addons           []AddonMigrate
	MicrosoftDomain  string
	TransactionID    string
	MigrationType    string
	// AddonPlans are the Commerce plans of the add-ons that have one (in the order of Addons):
	// each becomes a line of its own with transaction_type NCEmigrationAddon, microsoft_domain and
	// the base's transaction_id, as CloudBlue's guide writes the parameters of each add-on.
	AddonPlans []string
}

// SalesOrder builds the SALES order of a migration (the inferred shape: see the top of this file):
// the base's line with transaction_info_object (NCEmigration, the add-ons in addons[]), then one line
// per add-on plan.
func SalesOrder(m MigrationOrder) Order {
	full := m.PurchaseFullTerm
	info, _ := json.Marshal(TransactionInfo{TransactionType: TransactionNCEMigration, MSCustomerID: m.MSCustomerID,
		CSPOrderID: m.CSPOrderID, SubscriptionID: m.LegacyID, PurchaseFullTerm: &full, Addons: m.Addons})
	params := []Parameter{
		{Key: ParamTransactionInfo, StructuredValue: info},
		{Key: ParamMicrosoftDomain, Value: m.MicrosoftDomain},
		{Key: ParamTransactionID, Value: m.TransactionID},
	}
	if m.MigrationType != "" {
		params = append(params, Parameter{Key: ParamMigrationType, Value: m.MigrationType})
	}
	o := Order{Type: OrderSales, AccountID: m.AccountID, Products: []OrderProduct{{PlanID: m.PlanID, Parameters: params}}}
	addonInfo, _ := json.Marshal(TransactionInfo{TransactionType: TransactionNCEMigrationAddon})
	for _, plan := range m.AddonPlans {
		o.Products = append(o.Products, OrderProduct{PlanID: plan, Parameters: []Parameter{
			{Key: ParamTransactionInfo, StructuredValue: addonInfo},
			{Key: ParamMicrosoftDomain, Value: m.MicrosoftDomain},
			{Key: ParamTransactionID, Value: m.TransactionID},
		}})
	}
	return o
}

// ChangeOrder builds the CHANGE order switching a subscription to planID, with the same ordering
// parameters as a sales migration order (the base's line only: a CHANGE switches one subscription).
func ChangeOrder(subscriptionID string, m MigrationOrder) Order {
	o := SalesOrder(m)
	o.Type = OrderChange
	o.Products = o.Products[:1]
	o.Products[0].SubscriptionID = subscriptionID
	return o
}

// CancellationOrder builds the CANCELLATION order of a subscription.
func CancellationOrder(accountID, subscriptionID string) Order {
	return Order{Type: OrderCancellation, AccountID: accountID, Products: []OrderProduct{{SubscriptionID: subscriptionID}}}
}

// AdoptionOrder is what the SALES order adopting an existing Microsoft subscription says.
type AdoptionOrder struct {
	AccountID       string
	PlanID          string
	MSCustomerID    string
	SubscriptionID  string // the Microsoft (New Commerce) subscription adopted
	CSPOrderID      string // its Partner Center orderId
	MicrosoftDomain string
	TransactionID   string
}

// AdoptionSalesOrder builds the SALES order that imports an existing Microsoft subscription into
// Commerce: the plan's line with migration_info_object, microsoft_domain and transaction_id (ferry's
// idempotency key, as for migration orders). The same inferred shape as SalesOrder.
func AdoptionSalesOrder(a AdoptionOrder) Order {
	info, _ := json.Marshal(MigrationInfo{MSCustomerID: a.MSCustomerID, SubscriptionID: a.SubscriptionID, CSPOrderID: a.CSPOrderID})
	params := []Parameter{
		{Key: ParamMigrationInfo, StructuredValue: info},
		{Key: ParamMicrosoftDomain, Value: a.MicrosoftDomain},
		{Key: ParamTransactionID, Value: a.TransactionID},
	}
	return Order{Type: OrderSales, AccountID: a.AccountID, Products: []OrderProduct{{PlanID: a.PlanID, Parameters: params}}}
}

// SortOldestFirst puts orders in the order they were placed, which every "newest order" choice of
// ferry relies on: the APS controller documents no order for a collection it lists. By creationTime
// when every order has one ferry can read, else by the number of orderNumber when every order has
// one; otherwise (and between equals) as listed.
func SortOldestFirst(orders []Order) {
	times := make([]time.Time, len(orders))
	byTime := true
	for i := range orders {
		t, ok := orderTime(orders[i].CreationTime)
		times[i], byTime = t, byTime && ok
	}
	idx := make([]int, len(orders))
	for i := range idx {
		idx[i] = i
	}
	switch {
	case byTime:
		slices.SortStableFunc(idx, func(a, b int) int { return times[a].Compare(times[b]) })
	case everyOrderNumbered(orders):
		slices.SortStableFunc(idx, func(a, b int) int {
			x, y := orderDigits(orders[a].OrderNumber), orderDigits(orders[b].OrderNumber)
			if len(x) != len(y) {
				return len(x) - len(y)
			}
			return strings.Compare(x, y)
		})
	default:
		return
	}
	sorted := make([]Order, len(orders))
	for i, j := range idx {
		sorted[i] = orders[j]
	}
	copy(orders, sorted)
}

// orderTime reads a creationTime: RFC 3339 (any fraction), an offset without a colon, or no zone
// (taken as UTC).
func orderTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func everyOrderNumbered(orders []Order) bool {
	for i := range orders {
		if orderDigits(orders[i].OrderNumber) == "" {
			return false
		}
	}
	return true
}

// orderDigits is the number of an order number ("SO000019" → "19"), without leading zeros.
func orderDigits(n string) string {
	var b strings.Builder
	for _, r := range n {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := strings.TrimLeft(b.String(), "0")
	if d == "" && b.Len() > 0 {
		return "0"
	}
	return d
}
