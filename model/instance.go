package model

import (
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Instance is one evaluated resource instance of the spec.
type Instance struct {
	// Addr is the instance address.
	Addr Addr
	// Kind is the block kind (KindSubscription, KindSkipList, KindCutover).
	Kind string
	// Provider is the provider that manages the instance (for subscriptions: the value of via).
	Provider string
	// DependsOn lists the instance addresses this one waits for (depends_on expanded).
	DependsOn []Addr
	// DeclRange is where the block was declared, for diagnostics.
	DeclRange hcl.Range
	// ImportID is set when an import block or `ferry import` adopts an existing object for this
	// instance; empty otherwise.
	ImportID string
	// ImportRange is where the import block was declared (zero for `ferry import`).
	ImportRange hcl.Range

	// Exactly one of these is set, by Kind.
	Subscription *Subscription
	SkipList     *SkipList
	Cutover      *Cutover
}

// Subscription is a desired New Commerce subscription reached by migrating a legacy one.
type Subscription struct {
	Via              string // the provider that carries out the migration (a subscription provider of the table)
	CustomerID       string // Microsoft customer tenant ID (GUID)
	MicrosoftDomain  string // ends in .onmicrosoft.com
	MigrateFrom      string // legacy subscription ID (GUID)
	TermDuration     string // P1M | P1Y | P3Y
	BillingCycle     string // monthly | annual | triennial
	PurchaseFullTerm bool   // false: co-term with the legacy end date
	Quantity         *int   // nil: keep the legacy quantity
	// CustomTermEndDate is the New Commerce term's end date (YYYY-MM-DD) when co-terming with an
	// existing subscription or a calendar month end; "" for none.
	CustomTermEndDate string
	// Schedule, when set, asks for a scheduled migration instead of one started at apply.
	Schedule *Schedule
	Addons   []Addon
	Commerce *CommerceOptions // set only with Via == "commerce"
	Timeouts Timeouts
	// Ranges maps attribute names (e.g. "quantity", "term_duration") to where they were set, so that a
	// provider's diagnostics can point at the right line. The instances of one block share the map
	// when their arguments were set in the same places: it is read-only.
	Ranges map[string]hcl.Range
}

// Addon is a legacy add-on of the base subscription to migrate with it.
type Addon struct {
	MigrateFrom      string
	TermDuration     string
	BillingCycle     string
	PurchaseFullTerm bool
	// CustomTermEndDate is the add-on's custom term end date (YYYY-MM-DD); "" for none.
	CustomTermEndDate string
	// PlanID is the Commerce plan of the add-on (via = "commerce" only; "" for none): the sales
	// order then carries a line of that plan for it (transaction_type NCEmigrationAddon).
	PlanID    string
	DeclRange hcl.Range
}

// Schedule is a scheduled migration: at the legacy subscription's renewal, or on a date.
type Schedule struct {
	OnRenewal bool   // migrate at the end of the legacy term
	Date      string // YYYY-MM-DD; "" with OnRenewal
}

// String describes when the scheduled migration happens: "on renewal" or "on 2027-03-31".
func (s *Schedule) String() string {
	if s == nil {
		return ""
	}
	if s.OnRenewal {
		return "on renewal"
	}
	return "on " + s.Date
}

// CommerceOptions are the CloudBlue Commerce order settings of a subscription with via = "commerce".
type CommerceOptions struct {
	AccountID            string
	SourceSubscriptionID string
	PlanID               string
	Mode                 string // "new_subscription" or "switch_plan"
}

// Timeouts bounds the waits of a subscription's steps; zero means the provider's default.
type Timeouts struct {
	Order     time.Duration
	Migration time.Duration
}

// SkipList is the desired content of a CloudBlue Connect processor skip list.
type SkipList struct {
	Product     string
	Marketplace string
	Parameter   string // default "processor_skip_list"
	Entries     []string
}

// Cutover is a desired AWS MGN server cutover.
type Cutover struct {
	SourceServerID string
	RequireTest    bool
	MaxLag         time.Duration // zero: no limit
	MaxLagISO      string        // as written, e.g. "PT5M"
	Finalize       bool
	Archive        bool
	// Timeout bounds the wait for the cutover job (timeouts { cutover = "…" }); zero: the provider's
	// default.
	Timeout time.Duration
}
