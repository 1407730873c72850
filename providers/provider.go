// Package providers holds what every provider shares with the planner and executor: the desired
// resource types that hclspec produces, the Resource interface each provider implements, and the
// Change, Step, Outcome and Event values that flow between them. It imports nothing above it.
package providers

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/ferry-dev/ferry/state"
)

// Addr is a resource instance address such as subscription.m365["5c1f…"] or cutover.web01.
type Addr string

// Resource kinds (the spec's block types).
const (
	KindSubscription = "subscription"
	KindSkipList     = "skip_list"
	KindCutover      = "cutover"
)

// Instance is one evaluated resource instance of the spec.
type Instance struct {
	// Addr is the instance address.
	Addr Addr
	// Kind is KindSubscription, KindSkipList or KindCutover.
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
	Via              string // "partnercenter" or "commerce"
	CustomerID       string // Microsoft customer tenant ID (GUID)
	MicrosoftDomain  string // ends in .onmicrosoft.com
	MigrateFrom      string // legacy subscription ID (GUID)
	TermDuration     string // P1M | P1Y | P3Y
	BillingCycle     string // monthly | annual | triennial
	PurchaseFullTerm bool   // false: co-term with the legacy end date
	Quantity         *int   // nil: keep the legacy quantity
	Addons           []Addon
	Commerce         *CommerceOptions // set only with Via == "commerce"
	Timeouts         Timeouts
	// Ranges maps attribute names (e.g. "quantity", "term_duration") to where they were set, so that a
	// provider's diagnostics can point at the right line.
	Ranges map[string]hcl.Range
}

// Addon is a legacy add-on of the base subscription to migrate with it.
type Addon struct {
	MigrateFrom      string
	TermDuration     string
	BillingCycle     string
	PurchaseFullTerm bool
	DeclRange        hcl.Range
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
}

// ReadRequest asks a provider for the live object of one instance, with what the state knows of it.
type ReadRequest struct {
	Instance Instance
	Prior    *state.Resource // nil when the state has no entry
}

// Live is a provider's opaque view of one instance's remote objects, returned by Read and given
// back to Plan.
type Live any

// Unreadable is the Extra of an error diagnostic of Read about instances whose live objects could not
// be read (credentials refused, a customer that does not exist, a read that failed). The planner leaves
// those instances out of the plan, which then has errors (exit 1); the other instances are planned and
// applied as usual. It is distinct from a blocked change, which the remote system refuses.
type Unreadable struct {
	Addrs []Addr
}

// Action is what a Change does to one instance.
type Action string

// Actions, in the words the plan summary uses.
const (
	ActionNoop    Action = "unchanged" // nothing to do
	ActionCreate  Action = "migrate"   // start the migration / cutover / entry addition
	ActionResume  Action = "resume"    // an earlier apply started it; finish it
	ActionUpdate  Action = "update"    // change something in place (skip-list entries)
	ActionImport  Action = "import"    // adopt an existing remote object into state
	ActionForget  Action = "forget"    // drop from state; nothing remote is touched
	ActionBlocked Action = "blocked"   // cannot proceed (ineligible, waiting on Microsoft, …): Reasons say why
)

// Change is the plan for one instance: an ordered list of steps, or the reasons there are none.
type Change struct {
	Addr     Addr   `json:"address"`
	Kind     string `json:"kind"`
	Provider string `json:"provider"`
	Action   Action `json:"action"`
	// Summary is one human line, e.g. "migrate legacy 5c1f… (Office 365 E3, 25 seats) → P1Y monthly, co-term".
	Summary string `json:"summary"`
	// Details are the attributes shown under the change in the plan.
	Details []Detail `json:"details,omitempty"`
	// Reasons explain a blocked change (e.g. the API's eligibility errors) or warn about one.
	Reasons []string `json:"reasons,omitempty"`
	// Steps run in order.
	Steps []Step `json:"steps,omitempty"`
	// DependsOn is copied from the instance so the executor can order changes.
	DependsOn []Addr `json:"depends_on,omitempty"`
	// State is the state entry to record once every step has succeeded (import and refresh use it
	// with no steps); the executor merges the steps' remote IDs and attributes into it.
	State *state.Resource `json:"state,omitempty"`
}

// Detail is one attribute line of a change: Old is empty for a new value.
type Detail struct {
	Name string `json:"name"`
	Old  string `json:"old,omitempty"`
	New  string `json:"new"`
}

// Step is one unit of remote work. A mutating step is journaled as an intent under its idempotency
// key before it is sent, and reconciled by that key after a crash.
type Step struct {
	Addr     Addr   `json:"address"`
	Provider string `json:"provider"`
	// Name identifies the step within the change, e.g. "migrate" or "await_migration".
	Name string `json:"name"`
	// Mutating steps change something remote; non-mutating steps (waits, checks) are simply re-run.
	Mutating bool `json:"mutating"`
	// Attempt counts tries of this step; the idempotency key includes it so a deliberate retry of a
	// definitively failed step gets a new key.
	Attempt int `json:"attempt"`
	// Description is a human line for progress output.
	Description string `json:"description"`
	// Timeout bounds the step (zero: the provider's default).
	Timeout time.Duration `json:"timeout,omitempty"`
	// Params is the provider's own payload for Do and Reconcile.
	Params json.RawMessage `json:"params,omitempty"`
	// Earlier holds the remote IDs the change's earlier steps reported in this run (e.g. the
	// migration_id of the create step, for the wait that follows). Set by the executor; never saved.
	Earlier map[string]string `json:"-"`
	// IntentAt is when the intent being reconciled was journaled (set by the executor for Reconcile):
	// a remote object carrying the same key but created well before it belongs to an older use of
	// the key (e.g. before a `state rm`), not to this intent.
	IntentAt time.Time `json:"-"`
}

// Outcome is the result of a step.
type Outcome struct {
	// RemoteIDs are identifiers learned (migration_id, new_subscription_id, order_id, …).
	RemoteIDs map[string]string `json:"remote_ids,omitempty"`
	// Attributes are last known remote attributes to keep in state.
	Attributes map[string]string `json:"attributes,omitempty"`
	// Status, when set, becomes the resource's status in state.
	Status string `json:"status,omitempty"`
}

// Event is progress reported by a running step.
type Event struct {
	Addr Addr
	Step string
	// Message is a short present-tense line, e.g. "migrating (Processing)".
	Message string
	// RemoteIDs, when set, are journaled at once so a crash after this point can be reconciled.
	RemoteIDs map[string]string
}

// Resource is what each provider implements for each kind it manages.
type Resource interface {
	// Read fetches the live objects of many instances at once. The provider batches: one list call
	// per customer, never one call per instance.
	Read(ctx context.Context, reqs []ReadRequest) (map[Addr]Live, hcl.Diagnostics)
	// Plan turns desired + prior state + live into a Change. It makes no remote calls.
	Plan(desired Instance, prior *state.Resource, live Live) (Change, hcl.Diagnostics)
	// Do runs one step under its idempotency key, reporting remote IDs through progress as soon as
	// they are known. A returned error means the step failed; the Outcome may still carry IDs.
	Do(ctx context.Context, step Step, key string, progress func(Event)) (Outcome, error)
	// Reconcile finds out, by key, what an interrupted mutating step did remotely. found is false when
	// the remote system has no trace of it, so it is safe to send it again.
	Reconcile(ctx context.Context, step Step, key string) (out Outcome, found bool, err error)
}

// ProviderConfig is a provider block of the spec.
type ProviderConfig struct {
	Name      string
	Endpoint  string
	TenantID  string
	Region    string
	DeclRange hcl.Range
}

// Env is what a provider needs from its surroundings.
type Env struct {
	// Sandbox is the base URL of `ferry sandbox` (from FERRY_SANDBOX); when set, the provider talks to
	// the sandbox at Sandbox + "/<provider name>" and needs no credentials.
	Sandbox string
	// Getenv reads credentials and settings from the environment (os.Getenv in production).
	Getenv func(string) string
	// HTTPClient is the base HTTP client (nil: a default with sensible timeouts).
	HTTPClient *http.Client
	// Log receives debug lines (never secrets); nil discards them.
	Log func(format string, args ...any)
}

// ErrOutcomeUnknown marks (wrapped) a step error after which nobody knows whether the remote system
// acted. The executor then keeps the step's intent without an outcome, exactly as after a crash, so
// the next apply reconciles it by the same key before anything is sent again.
var ErrOutcomeUnknown = errors.New("the outcome of the request is unknown")
