package model

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/ferry-dev/ferry/state"
)

// Action is what a Change does to one instance.
type Action string

// Actions are neutral; each kind chooses its display words (see Word): a subscription's create is
// "migrate", a cutover's "cut over".
const (
	ActionNoop    Action = "no-op"   // nothing to do
	ActionCreate  Action = "create"  // reach the desired object (start the migration, cutover, entry addition)
	ActionResume  Action = "resume"  // an earlier apply started it; finish it
	ActionUpdate  Action = "update"  // change something in place (skip-list entries)
	ActionImport  Action = "import"  // adopt an existing remote object into state
	ActionForget  Action = "forget"  // drop from state; nothing remote is touched
	ActionBlocked Action = "blocked" // cannot proceed (ineligible, waiting on Microsoft, …): Reasons say why
)

// Actions lists every action in the order summaries show them.
func Actions() []Action {
	return []Action{ActionCreate, ActionResume, ActionUpdate, ActionImport, ActionNoop, ActionForget, ActionBlocked}
}

// Word is the action's neutral display word ("create", "unchanged" for ActionNoop).
func (a Action) Word() string {
	if a == ActionNoop {
		return "unchanged"
	}
	return string(a)
}

// Changes reports whether applying the action does anything (no-op and blocked do not).
func (a Action) Changes() bool { return a != ActionNoop && a != ActionBlocked && a != "" }

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
	// Wait marks a non-mutating step that waits for remote work to end (a migration, an order, a
	// cutover job). When its provider is a providers.Watcher, the executor hands it to the provider's
	// batched watcher and the step holds no parallelism slot while it waits.
	Wait bool `json:"wait,omitempty"`
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

// ErrOutcomeUnknown marks (wrapped) a step error after which nobody knows whether the remote system
// acted. The executor then keeps the step's intent without an outcome, exactly as after a crash, so
// the next apply reconciles it by the same key before anything is sent again.
var ErrOutcomeUnknown = errors.New("the outcome of the request is unknown")

// Wait is one outstanding piece of remote work a change waits on, handed to its provider's watcher.
type Wait struct {
	// Addr is the waiting instance.
	Addr Addr
	// Step is the wait step, with Earlier set (e.g. the migration_id its create step reported).
	Step Step
	// Due is true when this wait's read is due. The watcher also passes the waits that are not due
	// yet: a provider that reads in batches (all of a customer's migrations at once) reads only for
	// due waits, and answers for every wait its reads cover, so that each batch is read once per
	// interval however many waits it holds.
	Due bool
}

// WaitStatus is what a batched status read says of one wait.
type WaitStatus struct {
	// Done is true when the remote work has ended: Outcome is final, and Err says why it failed.
	Done    bool
	Outcome Outcome
	Err     error
	// Message describes work still under way, e.g. "migrating (Processing)".
	Message string
	// RemoteIDs are identifiers learned while waiting; the executor journals them at once.
	RemoteIDs map[string]string
}
