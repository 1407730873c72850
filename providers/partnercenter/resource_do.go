package partnercenter

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
)

// Do runs one step under its idempotency key.
//
// migrate sends CreateMigration once, with the key as MS-RequestId and as externalReferenceId the
// batch id the executor journaled with the intent (Step.Earlier[RemoteBatchID], see IntentIDs; an
// executor that did not ask for one gets one reported through progress before the send), and
// reports the migration id through progress at once. When the client
// cannot tell whether the request was performed (*UnknownOutcomeError) it is looked up by the batch
// id and the legacy subscription and returned when found; only when Partner Center shows no trace
// of it after two looks is it sent again under the same key and batch (at most maxUnknownSends
// times in all).
//
// await_migration polls the migration (the one named in the step, else the newest of the legacy
// subscription) with a doubling interval until it is Completed (the outcome records the New
// Commerce subscription, its add-ons and attributes), Failed (an error with Microsoft's code and
// description) or the step's timeout passes (an error saying a re-run of apply keeps waiting).
func (p *Provider) Do(ctx context.Context, step model.Step, key string, progress func(model.Event)) (model.Outcome, error) {
	if progress == nil {
		progress = func(model.Event) {}
	}
	params, err := decodeParams(step)
	if err != nil {
		return model.Outcome{}, err
	}
	switch step.Name {
	case StepMigrate:
		return p.doMigrate(ctx, step, params, key, progress)
	case StepSchedule:
		return p.doSchedule(ctx, step, params, key, progress)
	case StepCancelSchedule:
		return p.doCancelSchedule(ctx, step, params, key)
	case StepAwaitMigration:
		if params.MigrationID == "" {
			// The create step of this run reported it: poll it directly, no search needed.
			params.MigrationID = step.Earlier["migration_id"]
		}
		return p.doAwait(ctx, step, params, progress)
	default:
		return model.Outcome{}, fmt.Errorf("partnercenter: unknown step %q of %s", step.Name, step.Addr)
	}
}

// Reconcile finds the migration an interrupted migrate step created: found is true with the
// migration id when Partner Center has a migration of the legacy subscription under the batch id the
// step journaled (step.Earlier[RemoteBatchID], set by the executor from the intent's record) or,
// for an intent journaled by a ferry that sent the key as externalReferenceId, under the key.
// Other steps are not mutating and are simply re-run, so found is false for them.
func (p *Provider) Reconcile(ctx context.Context, step model.Step, key string) (model.Outcome, bool, error) {
	if step.Name != StepMigrate && step.Name != StepSchedule && step.Name != StepCancelSchedule {
		return model.Outcome{}, false, nil
	}
	params, err := decodeParams(step)
	if err != nil {
		return model.Outcome{}, false, err
	}
	switch step.Name {
	case StepSchedule:
		return p.reconcileSchedule(ctx, params, key, step.IntentAt)
	case StepCancelSchedule:
		return p.reconcileCancel(ctx, params)
	}
	return p.reconcileMigrate(ctx, params, sentRef(step, key), step.IntentAt)
}

var _ providers.Settler = (*Provider)(nil)

// Settle is how long a created migration or schedule may be missing from the query Reconcile reads
// (Provider.SettleTime); the other steps are not reconciled by a query.
func (p *Provider) Settle(step model.Step) time.Duration {
	if step.Name == StepMigrate || step.Name == StepSchedule {
		return p.SettleTime
	}
	return 0
}

// sentRef is the externalReferenceId an interrupted migrate step sent: the batch id it journaled, or
// the key for an intent of a ferry that sent the key there (no batch id journaled).
func sentRef(step model.Step, key string) string {
	if b := step.Earlier[RemoteBatchID]; b != "" {
		return b
	}
	return key
}

// keySkew is how much earlier than its intent a migration may have started (clocks differ) and still
// be the one the intent sent.
const keySkew = 15 * time.Minute

// fromThisIntent reports whether m can have been created by an intent journaled at intentAt (zero:
// unknown, so any).
func fromThisIntent(m *Migration, intentAt time.Time) bool {
	return intentAt.IsZero() || m.StartedTime == nil || !m.StartedTime.Before(intentAt.Add(-keySkew))
}

// reconcileMigrate looks for the migration of the step's legacy subscription sent with
// externalReferenceId ref (the batch id, or the key of an older ferry) no earlier than intentAt
// allows, through the query by ExternalReferenceId and CurrentSubscriptionId (every page).
func (p *Provider) reconcileMigrate(ctx context.Context, params StepParams, ref string, intentAt time.Time) (model.Outcome, bool, error) {
	if ref == "" {
		return model.Outcome{}, false, errors.New("partnercenter: reconcile needs the batch id or the idempotency key")
	}
	ms, err := p.client.ListMigrations(ctx, MigrationQuery{CurrentSubscriptionID: params.LegacySubscriptionID, ExternalReferenceID: ref})
	if err != nil {
		return model.Outcome{}, false, fmt.Errorf("looking up the migration of %s by externalReferenceId %s: %w", params.LegacySubscriptionID, ref, err)
	}
	var found []Migration
	for _, m := range ms {
		if m.ExternalReferenceID == ref && strings.EqualFold(m.CurrentSubscriptionID, params.LegacySubscriptionID) && fromThisIntent(&m, intentAt) {
			found = append(found, m)
		}
	}
	if len(found) == 0 {
		return model.Outcome{}, false, nil
	}
	sortNewestFirst(found)
	if len(found) > 1 {
		p.logf("partnercenter: %d migrations of %s carry externalReferenceId %s; using the newest, %s", len(found), params.LegacySubscriptionID, ref, found[0].ID)
	}
	return model.Outcome{
		RemoteIDs: map[string]string{"migration_id": found[0].ID},
		Status:    StatusMigrating,
	}, true, nil
}

// maxUnknownSends bounds how often a create whose outcome stayed unknown is sent under the same key.
const maxUnknownSends = 3

func (p *Provider) doMigrate(ctx context.Context, step model.Step, params StepParams, key string, progress func(model.Event)) (model.Outcome, error) {
	if key == "" {
		return model.Outcome{}, fmt.Errorf("partnercenter: step %s of %s needs an idempotency key", step.Name, step.Addr)
	}
	// The batch id is journaled with the intent, before the create is sent, so an interrupted create
	// is reconciled by it; a step resumed after an intent that found nothing sends again with the
	// batch id journaled then.
	batch := step.Earlier[RemoteBatchID]
	journaled := batch != ""
	if !journaled {
		// Not journaled with the intent (an intent of an older ferry, or another executor): journal
		// it through progress before sending.
		batch = p.nextBatch()
		progress(model.Event{Addr: step.Addr, Step: step.Name, Message: "sending with externalReferenceId " + batch + " (the batch of this apply)",
			RemoteIDs: map[string]string{RemoteBatchID: batch}})
	}
	resumed := !step.IntentAt.IsZero() // the executor sets it only when it resumes an intent
	req := *params.Request
	req.ExternalReferenceID = batch
	// A migration found by batch id must not predate this send, or the intent of a resumed step
	// (see fromThisIntent).
	sentAt := time.Now()
	if !step.IntentAt.IsZero() {
		sentAt = step.IntentAt
	}
	for send := 1; ; send++ {
		m, err := p.client.CreateMigration(ctx, params.CustomerID, req, key)
		if err == nil {
			if m == nil || m.ID == "" {
				return model.Outcome{}, fmt.Errorf("creating the migration of legacy subscription %s: Partner Center returned no migration id", params.LegacySubscriptionID)
			}
			ids := map[string]string{"migration_id": m.ID}
			progress(model.Event{Addr: step.Addr, Step: step.Name, Message: "migration created (" + m.Status + ")", RemoteIDs: ids})
			return model.Outcome{RemoteIDs: map[string]string{"migration_id": m.ID}, Status: StatusMigrating}, nil
		}
		if IsConflict(err) {
			// A migration is already Processing: ours (the answer to an earlier send of this step
			// was lost, so only after one) or another one.
			if send == 1 && !resumed {
				return model.Outcome{}, fmt.Errorf("creating the migration of legacy subscription %s: a migration is already in progress for it; re-run plan to wait for that one: %w", params.LegacySubscriptionID, err)
			}
			refs := []string{batch}
			if resumed && !journaled {
				refs = append(refs, key) // an older ferry's intent sent its key as externalReferenceId
			}
			for _, ref := range refs {
				if out, found, rerr := p.reconcileMigrate(ctx, params, ref, sentAt); rerr == nil && found {
					progress(model.Event{Addr: step.Addr, Step: step.Name, Message: "migration already created (found by its externalReferenceId " + ref + ")", RemoteIDs: out.RemoteIDs})
					return out, nil
				}
			}
			// Sent before (a lost answer, or an interrupted apply): the migration in progress is most
			// likely the one this step created, not yet shown by the query under its batch id
			// (eventual consistency). Keep the intent, so the next apply looks for it again, rather
			// than failing the step and forgetting that it may have started it.
			return model.Outcome{}, fmt.Errorf("creating the migration of legacy subscription %s: %w: a migration is already in progress for it, probably the one this step sent before, but Partner Center's migration query does not show it under externalReferenceId %s yet (%v)",
				params.LegacySubscriptionID, model.ErrOutcomeUnknown, batch, err)
		}
		var unknown *UnknownOutcomeError
		if !errors.As(err, &unknown) {
			return model.Outcome{}, fmt.Errorf("creating the migration of legacy subscription %s: %w", params.LegacySubscriptionID, err)
		}
		// The request may or may not have been performed. Look for it by batch id — at least twice,
		// a poll interval apart, and until the settle time has passed since the send, as the
		// migration query may not show a new migration at once — and send again under the same key
		// (MS-RequestId, which Microsoft documents for retrying a request that timed out) and batch
		// only when Partner Center still has no trace of it.
		p.logf("partnercenter: creating the migration of %s: outcome unknown (%v); reconciling by batch id %s", params.LegacySubscriptionID, err, batch)
		first, _ := p.pollIntervals()
		var waited time.Duration
		for look := 0; look < 2 || waited < p.SettleTime; look++ {
			if look > 0 {
				d := first
				if look >= 2 {
					d = min(d, p.SettleTime-waited) // positive: the loop goes on only while waited < SettleTime
				}
				if serr := p.sleep(ctx, d); serr != nil {
					return model.Outcome{}, fmt.Errorf("%w: %w", model.ErrOutcomeUnknown, serr)
				}
				waited += d
			}
			out, found, rerr := p.reconcileMigrate(ctx, params, batch, sentAt)
			if rerr != nil {
				return model.Outcome{}, fmt.Errorf("creating the migration of legacy subscription %s: %w (%v), and %w", params.LegacySubscriptionID, model.ErrOutcomeUnknown, err, rerr)
			}
			if found {
				progress(model.Event{Addr: step.Addr, Step: step.Name, Message: "migration created (found by its batch id after a lost response)", RemoteIDs: out.RemoteIDs})
				return out, nil
			}
		}
		if send >= maxUnknownSends {

			return model.Outcome{}, fmt.Errorf("creating the migration of legacy subscription %s: %w: sent %d times, no answer was read, and Partner Center shows no migration of it under its batch id (last error: %v)",
				params.LegacySubscriptionID, model.ErrOutcomeUnknown, send, unknown.Err)
		}
		progress(model.Event{Addr: step.Addr, Step: step.Name, Message: "no trace of the lost request under its batch id; sending it again"})
	}
}

func (p *Provider) doAwait(ctx context.Context, step model.Step, params StepParams, progress func(model.Event)) (model.Outcome, error) {
	timeout := step.Timeout
	if timeout <= 0 {
		timeout = DefaultMigrationTimeout
	}
	start := time.Now()
	m, out, done, err := p.readAwaited(ctx, params)
	if done || err != nil {
		return out, err
	}
	ids := map[string]string{"migration_id": m.ID}
	interval, limit := p.pollIntervals()
	for {
		switch m.Status {
		case MigrationCompleted:
			return p.completedOutcome(ctx, params, m), nil
		case MigrationFailed:
			return model.Outcome{RemoteIDs: ids}, fmt.Errorf("migration %s failed: %s", m.ID, migrationError(m))
		}
		progress(model.Event{Addr: step.Addr, Step: step.Name, Message: fmt.Sprintf("migrating (%s)", m.Status), RemoteIDs: ids})
		ids = nil // journaled once is enough
		stillProcessing := func(cause error) (model.Outcome, error) {
			err := fmt.Errorf("migration %s of legacy subscription %s is still %s after %s; it goes on at Microsoft, and a re-run of apply keeps waiting for it",
				m.ID, params.LegacySubscriptionID, m.Status, timeout)
			if cause != nil {
				err = fmt.Errorf("%w (%w)", err, cause)
			}
			return model.Outcome{RemoteIDs: map[string]string{"migration_id": m.ID}}, err
		}
		remaining := timeout - time.Since(start)
		if remaining <= 0 {
			return stillProcessing(nil)
		}
		if err := p.sleep(ctx, min(interval, remaining)); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				// The executor bounds the step by the same timeout.
				return stillProcessing(err)
			}
			return model.Outcome{RemoteIDs: map[string]string{"migration_id": m.ID}}, fmt.Errorf("waiting for migration %s: %w", m.ID, err)
		}
		interval = min(interval*2, limit)
		next, err := p.client.GetMigration(ctx, params.CustomerID, m.ID)
		if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			// The step's deadline passed during the poll rather than during the sleep: same answer.
			return stillProcessing(err)
		}
		if err != nil {
			return model.Outcome{RemoteIDs: map[string]string{"migration_id": m.ID}}, fmt.Errorf("polling migration %s: %w", m.ID, err)
		}
		m = next
	}
}

// readAwaited reads, once, the migration a wait follows — the one named in params (the newest of
// the legacy subscription when Partner Center does not know it), else the newest — as both
// await_migration (doAwait) and the watcher (awaitOnce) start. done is true when there is nothing
// left to wait for: the migration Completed (out records it), Failed (out names it, err says why),
// or there is no migration (out records the successor, or err says none was found). Otherwise m is
// the migration, still under way; err alone is a failed read.
func (p *Provider) readAwaited(ctx context.Context, params StepParams) (m *Migration, out model.Outcome, done bool, err error) {
	if params.MigrationID != "" {
		m, err = p.client.GetMigration(ctx, params.CustomerID, params.MigrationID)
		if IsNotFound(err) {
			p.logf("partnercenter: migration %s not found; looking for the newest migration of %s", params.MigrationID, params.LegacySubscriptionID)
			m, err = p.newestMigration(ctx, params)
		} else if err != nil {
			err = fmt.Errorf("reading migration %s: %w", params.MigrationID, err)
		}
	} else {
		m, err = p.newestMigration(ctx, params)
	}
	if err != nil {
		return nil, model.Outcome{}, false, err
	}
	if m == nil {
		// No migration record (e.g. migrated long ago or outside ferry): record the successor if any.
		out, err = p.outcomeWithoutMigration(ctx, params)
		return nil, out, true, err
	}
	switch m.Status {
	case MigrationCompleted:
		return m, p.completedOutcome(ctx, params, m), true, nil
	case MigrationFailed:
		return m, model.Outcome{RemoteIDs: map[string]string{"migration_id": m.ID}}, true, fmt.Errorf("migration %s failed: %s", m.ID, migrationError(m))
	}
	return m, model.Outcome{}, false, nil
}

// newestMigration returns the newest migration of the legacy subscription, or nil when there is none.
func (p *Provider) newestMigration(ctx context.Context, params StepParams) (*Migration, error) {
	ms, err := p.client.ListMigrations(ctx, MigrationQuery{CustomerTenantID: params.CustomerID, CurrentSubscriptionID: params.LegacySubscriptionID})
	if err != nil {
		return nil, fmt.Errorf("listing the migrations of legacy subscription %s: %w", params.LegacySubscriptionID, err)
	}
	var mine []Migration
	for _, m := range ms {
		if strings.EqualFold(m.CurrentSubscriptionID, params.LegacySubscriptionID) {
			mine = append(mine, m)
		}
	}
	if len(mine) == 0 {
		return nil, nil
	}
	sortNewestFirst(mine)
	return &mine[0], nil
}

// completedOutcome builds the outcome of a completed migration from the customer's subscriptions
// (one list call), falling back to the migration's own fields when the list cannot be read.
func (p *Provider) completedOutcome(ctx context.Context, params StepParams, m *Migration) model.Outcome {
	// The migration names its successors: one get of the new subscription is enough. Only when it
	// does not (or the get fails) is the customer's list read to find them.
	var view *customerView
	var succ *Subscription
	if m.NewCommerceSubscriptionID != "" && addonSuccessorsKnown(params, m) {
		s, err := p.client.GetSubscription(ctx, params.CustomerID, m.NewCommerceSubscriptionID)
		if err != nil {
			p.logf("partnercenter: reading subscription %s after migration %s: %v", m.NewCommerceSubscriptionID, m.ID, err)
		}
		succ = s
	}
	if succ == nil {
		if subs, err := p.client.ListSubscriptions(ctx, params.CustomerID); err != nil {
			p.logf("partnercenter: listing subscriptions of %s after migration %s: %v; recording the migration's own fields", params.CustomerID, m.ID, err)
		} else {
			view = newCustomerView(subs)
		}
	}
	if view != nil {
		if m.NewCommerceSubscriptionID != "" {
			succ = view.get(m.NewCommerceSubscriptionID)
		}
		if succ == nil {
			succ = view.successorOf[strings.ToLower(params.LegacySubscriptionID)]
		}
	}
	out := model.Outcome{
		RemoteIDs:  map[string]string{"migration_id": m.ID},
		Attributes: map[string]string{},
		Status:     StatusMigrated,
	}
	setNonEmpty(out.RemoteIDs, "new_subscription_id", m.NewCommerceSubscriptionID)
	setNonEmpty(out.RemoteIDs, "new_order_id", m.NewCommerceOrderID)
	setNonEmpty(out.Attributes, "catalog_item_id", m.CatalogItemID)
	setNonEmpty(out.Attributes, "offer_id", m.CatalogItemID)
	if m.Quantity > 0 {
		out.Attributes["quantity"] = strconv.Itoa(m.Quantity)
	}
	setNonEmpty(out.Attributes, "term_duration", m.TermDuration)
	setNonEmpty(out.Attributes, "billing_cycle", strings.ToLower(m.BillingCycle)) // "Monthly" in migrations
	setNonEmpty(out.Attributes, "commitment_end_date", date(m.SubscriptionEndDate))
	if succ != nil {
		recordSubscription(out, succ)
	}
	addonIDs := append([]string(nil), params.AddonSubscriptionIDs...)
	for _, a := range m.AddOnMigrations {
		addonIDs = append(addonIDs, a.CurrentSubscriptionID)
		setNonEmpty(out.RemoteIDs, "addon:"+a.CurrentSubscriptionID, a.NewCommerceSubscriptionID)
	}
	if view != nil {
		for _, id := range addonIDs {
			if s, ok := view.successorOf[strings.ToLower(id)]; ok {
				out.RemoteIDs["addon:"+id] = s.ID
			}
		}
	}
	return out
}

// outcomeWithoutMigration records a successor found with no migration record, or fails.
func (p *Provider) outcomeWithoutMigration(ctx context.Context, params StepParams) (model.Outcome, error) {
	subs, err := p.client.ListSubscriptions(ctx, params.CustomerID)
	if err != nil {
		return model.Outcome{}, fmt.Errorf("listing subscriptions of customer %s: %w", params.CustomerID, err)
	}
	view := newCustomerView(subs)
	succ, ok := view.successorOf[strings.ToLower(params.LegacySubscriptionID)]
	if !ok {
		return model.Outcome{}, fmt.Errorf("no migration of legacy subscription %s under customer %s was found, and no New Commerce subscription migrated from it; nothing to wait for (re-run plan)", params.LegacySubscriptionID, params.CustomerID)
	}
	out := model.Outcome{RemoteIDs: map[string]string{}, Attributes: map[string]string{}, Status: StatusMigrated}
	recordSubscription(out, succ)
	for _, id := range params.AddonSubscriptionIDs {
		if s, ok := view.successorOf[strings.ToLower(id)]; ok {
			out.RemoteIDs["addon:"+id] = s.ID
		}
	}
	return out, nil
}

// recordSubscription puts a New Commerce subscription's ids and attributes into out.
func recordSubscription(out model.Outcome, s *Subscription) {
	out.RemoteIDs["new_subscription_id"] = s.ID
	setNonEmpty(out.RemoteIDs, "new_order_id", s.OrderID)
	setNonEmpty(out.Attributes, "offer_id", s.OfferID)
	if out.Attributes["catalog_item_id"] == "" {
		setNonEmpty(out.Attributes, "catalog_item_id", s.OfferID)
	}
	out.Attributes["quantity"] = strconv.Itoa(s.Quantity)
	setNonEmpty(out.Attributes, "term_duration", s.TermDuration)
	setNonEmpty(out.Attributes, "billing_cycle", strings.ToLower(s.BillingCycle))
	setNonEmpty(out.Attributes, "commitment_end_date", date(s.CommitmentEndDate))
}

func setNonEmpty(m map[string]string, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// addonSuccessorsKnown reports whether the migration names the successor of every add-on the step
// migrated, so that no list is needed to find them.
func addonSuccessorsKnown(params StepParams, m *Migration) bool {
	known := map[string]bool{}
	for _, a := range m.AddOnMigrations {
		if a.NewCommerceSubscriptionID != "" {
			known[strings.ToLower(a.CurrentSubscriptionID)] = true
		}
	}
	for _, id := range params.AddonSubscriptionIDs {
		if !known[strings.ToLower(id)] {
			return false
		}
	}
	return true
}
