package partnercenter

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
)

// ProviderName is the name of this provider in specs, plans and state.
const ProviderName = "partnercenter"

// Step names of a subscription change.
const (
	// StepMigrate starts the New Commerce migration (mutating; MS-RequestId is its idempotency key,
	// externalReferenceId the apply run's batch id, journaled as RemoteBatchID before it is sent).
	StepMigrate = "migrate"
	// StepAwaitMigration waits for the migration to complete and records its result (not mutating).
	StepAwaitMigration = "await_migration"
)

// Resource statuses this provider records in state.
const (
	// StatusMigrating means the migration was created and has not completed yet.
	StatusMigrating = "migrating"
	// StatusMigrated means the legacy subscription was migrated and the New Commerce one is recorded.
	StatusMigrated = "migrated"
)

// Defaults of the poll loop of await_migration.
const (
	// DefaultPollInterval is the first wait between two polls against Microsoft.
	DefaultPollInterval = 15 * time.Second
	// SandboxPollInterval is the first wait between two polls against `ferry sandbox`.
	SandboxPollInterval = time.Second
	// MaxPollIntervalCap is the longest wait between two polls, whatever is configured.
	MaxPollIntervalCap = 60 * time.Second
	// DefaultMigrationTimeout bounds await_migration when the spec sets no timeouts.migration:
	// Microsoft completes or reverts a migration within 72 hours.
	DefaultMigrationTimeout = 72 * time.Hour
	// defaultReadParallelism is how many customers Read fetches at once: as many as the client keeps
	// idle connections (measured on a plan of 100 000 subscriptions: 16 took 0.3 s longer, 128
	// longer still, as connections beyond the idle ones are opened and closed).
	defaultReadParallelism = maxIdleConnsPerHost
	// maxIdleConnsPerHost is how many idle connections the client keeps to the API (enough for Read).
	maxIdleConnsPerHost = 64
)

// Provider is the Partner Center subscription resource: it plans and runs legacy → New Commerce
// migrations of instances with Kind "subscription" and via = "partnercenter". It implements
// providers.Provider. Its fields may be changed after NewProvider and before first use.
type Provider struct {
	client *Client

	// paramsCache holds the decoded parameters of the waits the watcher passes, by step.
	paramsMu    sync.Mutex
	paramsCache map[string]StepParams

	// batch is the externalReferenceId of this run's creates (see nextBatch).
	batchMu   sync.Mutex
	batchID   string
	batchUsed int
	// NewBatchID makes a batch id; nil uses a random GUID. Tests inject it.
	NewBatchID func() string

	// eventsOff holds the customers (lower-case) whose migration events read was refused: it is
	// not asked again in this run (events only make progress messages).
	eventsMu  sync.Mutex
	eventsOff map[string]bool

	// PollInterval is the first wait between two polls of a migration; it doubles after each poll
	// up to MaxPollInterval. Zero means DefaultPollInterval.
	PollInterval time.Duration
	// MaxPollInterval caps the wait between polls; zero or more than MaxPollIntervalCap means
	// MaxPollIntervalCap.
	MaxPollInterval time.Duration
	// SettleTime is how long after a create its migration may be missing from the migration query
	// (eventual consistency): a create whose answer was lost is looked for until then before it is
	// sent again, and the executor asks Reconcile again until then after a crash (Settle method).
	// Zero: two looks a poll interval apart. Open sets reconcile_settle (default 2m).
	SettleTime time.Duration
	// ReadParallelism is how many customers Read fetches concurrently; zero means 64.
	ReadParallelism int
	// Sleep waits d or until ctx is done; nil uses a timer. Tests inject it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Log receives debug lines; nil discards them.
	Log func(format string, args ...any)
}

var (
	_ providers.Provider   = (*Provider)(nil)
	_ providers.IntentIDer = (*Provider)(nil)
)

// NewProvider returns a provider that talks to Partner Center through client, polling at the
// defaults for Microsoft (see DefaultPollInterval).
func NewProvider(client *Client) *Provider {
	return &Provider{client: client}
}

// Open builds the provider for an evaluated provider block: the client from NewClientFor, polling
// at poll_interval. In sandbox mode (env.Sandbox set) polling follows the sandbox's migration
// duration instead (see sandboxPolling).
func Open(ctx context.Context, cfg providers.Config, env providers.Env) (*Provider, error) {
	settings, err := DecodeSettings(cfg)
	if err != nil {
		return nil, err
	}
	c, err := NewClientFor(ctx, settings, env)
	if err != nil {
		return nil, err
	}
	p := NewProvider(c)
	p.Log = env.Log
	p.PollInterval = settings.PollInterval
	if p.SettleTime, err = providers.SettleOf(cfg, env); err != nil {
		return nil, err
	}
	if env.Sandbox != nil {
		p.PollInterval, p.MaxPollInterval = sandboxPolling(env.Sandbox)
	}
	return p, nil
}

// sandboxPolling paces polling to the sandbox's migration duration (in wall time): a quarter of it,
// between 25 ms and SandboxPollInterval, backing off to at most half the duration (≤ 5 s), so a
// migration is seen to end within half its duration.
func sandboxPolling(sb *providers.Sandbox) (first, limit time.Duration) {
	d := sb.Wall(sb.Behaviour.DurationOf(DurationMigration, DefaultMigrationDuration))
	first = min(max(d/4, 25*time.Millisecond), SandboxPollInterval)
	limit = min(max(d/2, first), 5*time.Second)
	return first, limit
}

func (p *Provider) logf(format string, args ...any) {
	if p.Log != nil {
		p.Log(format, args...)
	}
}

func (p *Provider) pollIntervals() (first, limit time.Duration) {
	first, limit = p.PollInterval, p.MaxPollInterval
	if first <= 0 {
		first = DefaultPollInterval
	}
	if limit <= 0 || limit > MaxPollIntervalCap {
		limit = MaxPollIntervalCap
	}
	if first > limit {
		first = limit
	}
	return first, limit
}

func (p *Provider) sleep(ctx context.Context, d time.Duration) error {
	if p.Sleep != nil {
		return p.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// RemoteBatchID is the remote ID under which the migrate step's intent journals the
// externalReferenceId it sends (the batch id), so that an interrupted create is reconciled by it.
const RemoteBatchID = "batch_id"

// BatchSize is how many creates share one batch id, as in Microsoft's bulk migration tool.
const BatchSize = 200

// nextBatch returns the batch id for one more create of this run: one GUID per apply run, renewed
// every BatchSize creates.
func (p *Provider) nextBatch() string {
	p.batchMu.Lock()
	defer p.batchMu.Unlock()
	if p.batchID == "" || p.batchUsed >= BatchSize {
		if p.NewBatchID != nil {
			p.batchID = p.NewBatchID()
		} else {
			p.batchID = uuid.NewString()
		}
		p.batchUsed = 0
	}
	p.batchUsed++
	return p.batchID
}

// IntentIDs gives a migrate step about to be sent the batch id it sends as externalReferenceId; the
// executor journals it with the step's intent and passes it back in Step.Earlier.
func (p *Provider) IntentIDs(step model.Step) map[string]string {
	if step.Name != StepMigrate {
		return nil
	}
	return map[string]string{RemoteBatchID: p.nextBatch()}
}
