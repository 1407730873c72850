// Package providers is the contract between ferry's engine and the remote systems it drives: the
// Provider interface each system implements, the evaluated provider block (Config) and the table
// entry (Entry) through which hclspec, app and the sandbox find a provider, and what a provider gets
// from its surroundings (Env, Sandbox). The provider table itself lives in providers/table.
package providers

import (
	"context"
	"net/http"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/state"
)

// ReadRequest asks a provider for the live object of one instance, with what the state knows of it.
type ReadRequest struct {
	Instance model.Instance
	Prior    *state.Resource // nil when the state has no entry
}

// Live is a provider's opaque view of one instance's remote objects, returned by Read and given
// back to Plan.
type Live any

// Provider is what each remote system implements for the kinds it serves.
type Provider interface {
	// Read fetches the live objects of many instances at once. The provider batches: one list call
	// per customer, never one call per instance.
	Read(ctx context.Context, reqs []ReadRequest) (map[model.Addr]Live, hcl.Diagnostics)
	// Plan turns desired + prior state + live into a Change. It makes no remote calls and changes
	// nothing shared: the planner calls it for many instances at once.
	Plan(desired model.Instance, prior *state.Resource, live Live) (model.Change, hcl.Diagnostics)
	// Do runs one step under its idempotency key, reporting remote IDs through progress as soon as
	// they are known. A returned error means the step failed; the Outcome may still carry IDs.
	Do(ctx context.Context, step model.Step, key string, progress func(model.Event)) (model.Outcome, error)
	// Reconcile finds out, by key, what an interrupted mutating step did remotely. found is false when
	// the remote system has no trace of it, so it is safe to send it again.
	Reconcile(ctx context.Context, step model.Step, key string) (out model.Outcome, found bool, err error)
}

// Watcher is implemented by providers whose changes wait for remote work (steps with Wait set). The
// executor keeps one watcher per provider: it hands every outstanding wait to it and frees the
// change's parallelism slot, and the watcher reads the status of all due waits in one Status call
// per round, which the provider batches the way its API allows (Partner Center: one migration query
// per customer with work outstanding; Commerce: orders by RQL; MGN: DescribeJobs by job IDs). Status
// reads scale with customers or batches, never with instances.
type Watcher interface {
	// Status reads the status of many waits at once. A wait missing from the answer is still under
	// way. An error means nothing could be read this round; the watcher tries again later.
	Status(ctx context.Context, waits []model.Wait) (map[model.Addr]model.WaitStatus, error)
	// WatchPace is the first interval between two reads of one wait, and the longest interval it
	// backs off to while the work goes on.
	WatchPace() (first, max time.Duration)
}

// IntentIDer is implemented by providers whose mutating steps send an identifier of their own
// besides the idempotency key (Partner Center: the apply's batch id as externalReferenceId).
type IntentIDer interface {
	// IntentIDs returns the remote IDs a mutating step is about to send besides its idempotency key
	// (nil for none). The executor journals them with the step's intent, before Do, and passes them
	// in Step.Earlier to Do and, after a crash, to Reconcile (which finds the step by them).
	IntentIDs(step model.Step) map[string]string
}

// Settler is implemented by providers whose Reconcile reads lists or queries that are eventually
// consistent: right after a create succeeds, the object may be missing from them for a while
// (Partner Center's migration query, Commerce's order list, MGN's source servers). When Reconcile
// finds nothing for an interrupted step, the executor asks again once Settle(step) has passed since
// its run began (the interrupted send was made before that), and only then sends the step again.
type Settler interface {
	// Settle is how long after a send of step its effect may still be missing from what Reconcile
	// reads (0: Reconcile sees it at once).
	Settle(step model.Step) time.Duration
}

// Pacer is implemented by providers that pace their mutating calls to a documented rate limit.
// Before an apply sends anything, app hands it the times at which earlier runs sent each mutating
// step (from the journal's intents), so that a re-apply right after an interrupted one paces from
// those sends instead of bursting past the limit.
type Pacer interface {
	RecordedSends(step string, at []time.Time)
}

// Env is what a provider needs from its surroundings.
type Env struct {
	// Sandbox, when set (FERRY_SANDBOX), points every provider at `ferry sandbox`: the provider talks
	// to Sandbox.Base(name) and needs no credentials.
	Sandbox *Sandbox
	// Getenv reads credentials and settings from the environment (os.Getenv in production).
	Getenv func(string) string
	// HTTPClient is the base HTTP client (nil: a default with sensible timeouts).
	HTTPClient *http.Client
	// Log receives debug lines (never secrets); nil discards them.
	Log func(format string, args ...any)
	// Blocks holds the spec's evaluated provider blocks by name, so that a line of the provider
	// table can open a reader of another system a provider checks against (the commerce provider
	// reads Partner Center for an adoption). A provider reads its own block from its Config.
	Blocks map[string]Config
}

// SpecReader is implemented by a provider whose Read looks at other instances of the spec than its
// own (the Connect skip list warns about a customer entry added while an import for that customer is
// planned). The planner calls ReadSpec instead of Read, with every instance of the spec.
type SpecReader interface {
	ReadSpec(ctx context.Context, reqs []ReadRequest, spec []model.Instance) (map[model.Addr]Live, hcl.Diagnostics)
}

// Unreadable is the Extra of an error diagnostic of Read about instances whose live objects could not
// be read (credentials refused, a customer that does not exist, a read that failed). The planner leaves
// those instances out of the plan, which then has errors (exit 1); the other instances are planned and
// applied as usual. It is distinct from a blocked change, which the remote system refuses.
type Unreadable struct {
	Addrs []model.Addr
}
