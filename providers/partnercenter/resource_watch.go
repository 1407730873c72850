package partnercenter

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
)

var _ providers.Watcher = (*Provider)(nil)

// WatchPace is the executor watcher's pace for migrations: from PollInterval (default 15 s; the
// sandbox's follows its migration duration), backing off to MaxPollInterval (at most 60 s).
func (p *Provider) WatchPace() (first, max time.Duration) { return p.pollIntervals() }

// Status reads the migrations of many await_migration waits at once: one migration query per
// customer with work outstanding (GET /migrations/newcommerce?CustomerTenantId=…, every page), never
// one GET per migration. A completed migration's outcome records its New Commerce subscription (one
// get of it); a failed one is an error with Microsoft's reason; a wait whose migration is not in the
// answer falls back to the single-migration path of Do (a search by the legacy subscription, or the
// successor found without a migration record). While a customer's migration is still processing,
// one read of the customer's migration events turns its latest event into the wait's progress
// message ("New Commerce subscription created", …). Customers are read ReadParallelism at a time.
func (p *Provider) Status(ctx context.Context, waits []model.Wait) (map[model.Addr]model.WaitStatus, error) {
	type pending struct {
		wait   model.Wait
		params StepParams
	}
	byCustomer := map[string][]pending{}
	due := map[string]bool{}
	var order []string
	out := make(map[model.Addr]model.WaitStatus, len(waits))
	for _, w := range waits {
		params, err := p.waitParams(w)
		if err != nil {
			if w.Due {
				out[w.Addr] = model.WaitStatus{Done: true, Err: err}
			}
			continue
		}
		key := strings.ToLower(params.CustomerID)
		if _, ok := byCustomer[key]; !ok {
			order = append(order, key)
		}
		byCustomer[key] = append(byCustomer[key], pending{wait: w, params: params})
		due[key] = due[key] || w.Due
	}
	// Only customers with a due wait are read; the answer covers all of their waits.
	kept := order[:0]
	for _, key := range order {
		if due[key] {
			kept = append(kept, key)
		}
	}
	order = kept

	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, p.readParallelism())
	var wg sync.WaitGroup
	for _, key := range order {
		group := byCustomer[key]
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			customer := group[0].params.CustomerID
			ms, err := p.client.ListMigrations(ctx, MigrationQuery{CustomerTenantID: customer})
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("reading the migrations of customer %s: %w", customer, err)
				}
				mu.Unlock()
				return
			}
			byID := make(map[string]*Migration, len(ms))
			newest := map[string]*Migration{}
			for i := range ms {
				m := &ms[i]
				byID[strings.ToLower(m.ID)] = m
				k := strings.ToLower(m.CurrentSubscriptionID)
				if cur, ok := newest[k]; !ok || newerThan(m, cur) {
					newest[k] = m
				}
			}
			local := map[model.Addr]model.WaitStatus{}
			processing := map[string]bool{}         // lower-case IDs of the group's migrations still in flight
			processingOf := map[model.Addr]string{} // wait → its migration in flight
			for _, pw := range group {
				if !pw.wait.Due && !hasMigration(pw.params, byID, newest) {
					continue // not due, and its migration is not in this answer: read it when due
				}
				var m *Migration
				if pw.params.MigrationID != "" {
					m = byID[strings.ToLower(pw.params.MigrationID)]
				} else {
					m = newest[strings.ToLower(pw.params.LegacySubscriptionID)]
				}
				st := p.waitStatus(ctx, pw.wait, pw.params, m)
				if !st.Done && m != nil && strings.EqualFold(m.Status, MigrationProcessing) {
					processing[strings.ToLower(m.ID)] = true
					processingOf[pw.wait.Addr] = strings.ToLower(m.ID)
				}
				local[pw.wait.Addr] = st
			}
			// Progress from the migration events: one read per customer, only while one of its
			// migrations is still processing.
			if msgs := p.eventProgress(ctx, customer, processing); len(msgs) > 0 {
				for addr, id := range processingOf {
					if msg := msgs[id]; msg != "" {
						st := local[addr]
						st.Message = msg
						local[addr] = st
					}
				}
			}
			mu.Lock()
			maps.Copy(out, local)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(out) == 0 && firstErr != nil {
		return nil, firstErr
	}
	if firstErr != nil {
		p.logf("partnercenter: %v; those waits are read again later", firstErr)
	}
	return out, nil
}

// waitParams decodes a wait's step parameters once per step (the watcher passes every outstanding
// wait each round), with the migration its create step reported.
func (p *Provider) waitParams(w model.Wait) (StepParams, error) {
	key := fmt.Sprintf("%s\x00%s\x00%d", w.Addr, w.Step.Name, w.Step.Attempt)
	p.paramsMu.Lock()
	params, ok := p.paramsCache[key]
	p.paramsMu.Unlock()
	if ok {
		return params, nil
	}
	params, err := decodeParams(w.Step)
	if err != nil {
		return StepParams{}, err
	}
	if params.MigrationID == "" {
		params.MigrationID = w.Step.Earlier["migration_id"]
	}
	p.paramsMu.Lock()
	if p.paramsCache == nil {
		p.paramsCache = map[string]StepParams{}
	}
	p.paramsCache[key] = params
	p.paramsMu.Unlock()
	return params, nil
}

// waitStatus turns one migration (nil: not in the customer's answer) into the status of a wait.
func (p *Provider) waitStatus(ctx context.Context, w model.Wait, params StepParams, m *Migration) model.WaitStatus {
	if m == nil {
		// Not in the list (e.g. migrated long ago, or the list lags): the single-migration path
		// decides, exactly as a poll would.
		out, err := p.awaitOnce(ctx, w.Step, params)
		if err == errStillProcessing {
			return model.WaitStatus{}
		}
		return model.WaitStatus{Done: true, Outcome: out, Err: err}
	}
	ids := map[string]string{"migration_id": m.ID}
	switch m.Status {
	case MigrationCompleted:
		return model.WaitStatus{Done: true, Outcome: p.completedOutcome(ctx, params, m)}
	case MigrationFailed:
		return model.WaitStatus{Done: true, Outcome: model.Outcome{RemoteIDs: ids}, Err: fmt.Errorf("migration %s failed: %s", m.ID, migrationError(m))}
	default:
		return model.WaitStatus{Message: fmt.Sprintf("migrating (%s)", m.Status), RemoteIDs: ids}
	}
}

// newerThan reports whether a, found after b in an answer, is the newer of the two, as
// sortNewestFirst orders them: the later start wins; on a tie (or both unknown) the later in the
// answer; a migration with no start time loses to one with.
func newerThan(a, b *Migration) bool {
	switch {
	case a.StartedTime == nil:
		return b.StartedTime == nil
	case b.StartedTime == nil:
		return true
	default:
		return !b.StartedTime.After(*a.StartedTime)
	}
}

// errStillProcessing is awaitOnce's answer for a migration that has not ended.
var errStillProcessing = fmt.Errorf("still processing")

// awaitOnce reads one wait's migration the way doAwait does, once: the named migration (or the newest
// of the legacy subscription); the outcome when it has ended, errStillProcessing when not.
func (p *Provider) awaitOnce(ctx context.Context, step model.Step, params StepParams) (model.Outcome, error) {
	_, out, done, err := p.readAwaited(ctx, params)
	if done || err != nil {
		return out, err
	}
	return model.Outcome{}, errStillProcessing
}

var _ providers.Pacer = (*Provider)(nil)

// RecordedSends seeds the client's create limit with the migrate steps earlier runs sent.
func (p *Provider) RecordedSends(step string, at []time.Time) {
	if step == StepMigrate {
		p.client.RecordedSends(at)
	}
}

// hasMigration reports whether a customer's answer holds the wait's migration.
func hasMigration(params StepParams, byID, newest map[string]*Migration) bool {
	if params.MigrationID != "" {
		return byID[strings.ToLower(params.MigrationID)] != nil
	}
	return newest[strings.ToLower(params.LegacySubscriptionID)] != nil
}
