package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/ferry-dev/ferry/executor"
	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/notify"
	"github.com/ferry-dev/ferry/state"
	"github.com/ferry-dev/ferry/views"
)

// notifier derives the events of an apply and hands them to the dispatcher. Events are derived
// from the state and the run record (never from memory alone), each with an ID fixed by what
// happened, so the same occurrence seen again — live during the apply, at its end, or by the next
// apply after a kill -9 — is queued once.
type notifier struct {
	g       *Globals
	s       *spec
	st      state.State
	outbox  *notify.Outbox
	d       *notify.Dispatcher
	live    chan executor.Event
	stopped chan struct{}
	lineage string

	// factor is the sandbox's time factor (1 against the real services): Microsoft's 72 h pass
	// factor times faster.
	factor float64
	// waiting holds the changes awaiting a Partner Center migration now, watched for the 72 h.
	mu        sync.Mutex
	waiting   map[model.Addr]bool
	watchDone chan struct{}
	watchEnd  chan struct{}
	watching  bool
}

// MicrosoftWindow is how long Microsoft may take over a migration (and over resolving a failed one
// whose legacy subscription is suspended) before microsoft_timeout is sent.
const MicrosoftWindow = 72 * time.Hour

// liveQueue bounds the events waiting to be turned into notifications during an apply. When it is
// full an event is dropped from the live path only: the end of the apply derives it again.
const liveQueue = 4096

// startNotifier opens the outbox beside the state and starts delivering (first what earlier runs
// left undelivered). It returns nil when the spec has no notify block or the outbox cannot be opened
// (a warning: notifications never fail the apply).
func (g *Globals) startNotifier(s *spec, st state.State, statePath string) *notifier {
	if len(s.cfg.Notify) == 0 {
		return nil
	}
	ob, err := notify.OpenOutbox(notify.OutboxPath(statePath), time.Now())
	if err != nil {
		g.warnf(s, "notifications are off for this run: %v", err)
		return nil
	}
	log := g.logger(s)
	d, err := notify.Start(ob, s.cfg.Notify, notify.Options{Getenv: g.Getenv, OnAttempt: func(dl notify.Delivery, attempt int, err error) {
		log.delivery(dl, attempt, err)
	}})
	if err != nil {
		_ = ob.Close()
		g.warnf(s, "notifications are off for this run: %v", err)
		return nil
	}
	n := &notifier{g: g, s: s, st: st, outbox: ob, d: d, live: make(chan executor.Event, liveQueue), stopped: make(chan struct{}),
		lineage: st.Lineage(), factor: 1, waiting: map[model.Addr]bool{}, watchDone: make(chan struct{}), watchEnd: make(chan struct{})}
	go n.loop()
	return n
}

// startWatch starts watching the waits for Microsoft's window, whose time runs factor times faster
// than the wall clock (the sandbox's time factor; 1 against Partner Center).
func (n *notifier) startWatch(factor float64) {
	if n == nil || n.watching {
		return
	}
	n.factor = max(factor, 1)
	n.watching = true
	go n.watch()
}

// warnf prints a warning of the command on stderr.
func (g *Globals) warnf(s *spec, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if g.JSON {
		_ = views.WriteDiagnosticsJSON(s.err, []views.Diagnostic{views.WarningDiagnostic("Warning", msg)})
		return
	}
	fmt.Fprintf(s.err, "Warning: %s\n", views.EscapeLines(msg))
}

// event takes an executor event without ever blocking the executor.
func (n *notifier) event(e executor.Event) {
	if n == nil {
		return
	}
	n.mu.Lock()
	switch {
	case e.Type == executor.EventStep && e.Step == "await_migration":
		n.waiting[e.Addr] = true
	case e.Type.Ends():
		delete(n.waiting, e.Addr)
	}
	n.mu.Unlock()
	switch e.Type {
	case executor.EventDone, executor.EventFailed, executor.EventWaiting:
	default:
		return
	}
	select {
	case n.live <- e:
	default:
	}
}

func (n *notifier) loop() {
	defer close(n.stopped)
	for e := range n.live {
		// Take what else is waiting too: the events of one batch cost one fsync of the outbox.
		batch := []executor.Event{e}
	more:
		for len(batch) < 256 {
			select {
			case e, ok := <-n.live:
				if !ok {
					break more
				}
				batch = append(batch, e)
			default:
				break more
			}
		}
		var evs []notify.Event
		for _, e := range batch {
			evs = append(evs, n.liveEvents(e)...)
		}
		n.send(evs...)
	}
}

// liveEvents derives the events of an executor event from the state.
func (n *notifier) liveEvents(e executor.Event) []notify.Event {
	r, ok := n.st.Get(string(e.Addr))
	if !ok {
		return nil
	}
	entry := state.RunEntry{Addr: string(e.Addr), Kind: r.Kind, Provider: r.Provider}
	switch e.Type {
	case executor.EventDone:
		entry.Outcome = views.OutcomeDone
	case executor.EventFailed:
		if n.st.Err() != nil {
			// ferry stopped recording (a full disk, a lost PostgreSQL lock): a change that failed for
			// that reason did not fail at the remote system, and its step may have succeeded there.
			// The next apply reconciles it by key, and its events say how it ended. Only a step
			// failure the state holds is a change_failed.
			if _, rec := failedStep(r); rec == nil {
				return nil
			}
		}
		entry.Outcome, entry.Reasons = views.OutcomeFailed, []string{e.Message}
	case executor.EventWaiting:
		entry.Outcome, entry.Reasons = views.OutcomeStillInProgress, []string{e.Message}
	}
	return n.derive(entry, r, n.g.RunID(), time.Time{})
}

// watch sends microsoft_timeout for a migration still under way MicrosoftWindow after it started,
// while the apply waits for it; it checks the waits a few times per window (time-scaled in the
// sandbox), and at most once a minute.
func (n *notifier) watch() {
	defer close(n.watchEnd)
	every := min(max(time.Duration(float64(MicrosoftWindow)/n.factor/20), 100*time.Millisecond), time.Minute)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-n.watchDone:
			return
		case <-t.C:
		}
		n.mu.Lock()
		addrs := make([]model.Addr, 0, len(n.waiting))
		for a := range n.waiting {
			addrs = append(addrs, a)
		}
		n.mu.Unlock()
		for _, a := range addrs {
			r, ok := n.st.Get(string(a))
			if !ok {
				continue
			}
			if ev, ok := n.overdue(string(a), r, n.g.RunID(), "still Processing"); ok {
				n.mu.Lock()
				delete(n.waiting, a)
				n.mu.Unlock()
				n.send(ev)
			}
		}
	}
}

// overdue returns the microsoft_timeout event of r when its migration started more than
// MicrosoftWindow (of Microsoft's time) ago and has not completed.
func (n *notifier) overdue(addr string, r *state.Resource, runID, how string) (notify.Event, bool) {
	if r == nil || r.Provider != "partnercenter" || r.Status != "migrating" {
		return notify.Event{}, false
	}
	mig := r.Steps["migrate"]
	mid := r.RemoteIDs["migration_id"]
	if mig == nil || mid == "" || mig.StartedAt.IsZero() {
		return notify.Event{}, false
	}
	age := time.Duration(float64(time.Since(mig.StartedAt)) * n.factor)
	if age < MicrosoftWindow {
		return notify.Event{}, false
	}
	return n.timeoutEvent(addr, r, runID, fmt.Sprintf("migration %s %s %s after it started", mid, how, MicrosoftWindow)), true
}

// timeoutEvent is the microsoft_timeout of the migration of r (one per migration).
func (n *notifier) timeoutEvent(addr string, r *state.Resource, runID, reason string) notify.Event {
	mid := r.RemoteIDs["migration_id"]
	ev := notify.New(notify.MicrosoftTimeout, n.lineage, addr, mid)
	ev.Time, ev.RunID, ev.Address, ev.Provider = time.Now().UTC(), runID, addr, r.Provider
	ev.Message = fmt.Sprintf("%s: Microsoft has not finished migration %s: %s", addr, mid, reason)
	data := migrationData(r)
	data["migration_id"] = mid
	if rec := r.Steps["migrate"]; rec != nil {
		data["started_at"] = rec.StartedAt
	}
	data["reason"] = reason
	ev.Data = data
	return ev
}

func (n *notifier) send(evs ...notify.Event) {
	if len(evs) == 0 {
		return
	}
	for i := range evs {
		evs[i] = redactEvent(evs[i], n.s.secrets)
	}
	if err := n.d.Notify(evs...); err != nil {
		n.g.warnf(n.s, "%d notification(s) not queued (the next apply derives them again): %v", len(evs), err)
	}
}

// finish derives every event of the run from the record and the state (queuing only what was not
// queued before), then apply_finished, and closes the dispatcher: it waits at most the longest
// receiver timeout. It returns the deliveries that failed.
func (n *notifier) finish(run *state.Run, rep *views.RunReport, code int) []views.FailedDelivery {
	if n == nil {
		return nil
	}
	close(n.live)
	<-n.stopped
	if n.watching {
		close(n.watchDone)
		<-n.watchEnd
	}
	var evs []notify.Event
	for _, entry := range run.Entries {
		r, _ := n.st.Get(entry.Addr)
		evs = append(evs, n.derive(entry, r, run.ID, n.outbox.Created())...)
		// A migration not finished at the end of the apply (interrupted, still in progress, or
		// Failed with its legacy subscription suspended) past Microsoft's window.
		if ev, ok := n.overdue(entry.Addr, r, run.ID, "not finished"); ok {
			evs = append(evs, ev)
		}
	}
	fin := notify.New(notify.ApplyFinished, n.lineage, run.ID)
	fin.Time, fin.RunID = time.Now().UTC(), run.ID
	fin.Message = fmt.Sprintf("ferry apply finished (exit code %d): %s", code, countsText(rep.Counts))
	fin.Data = map[string]any{"exit_code": code, "counts": rep.Counts, "totals": rep.Totals,
		"started_at": run.StartedAt, "finished_at": run.FinishedAt}
	n.send(append(evs, fin)...)
	failed := n.d.Close()
	_ = n.outbox.Close()
	var out []views.FailedDelivery
	for _, f := range failed {
		out = append(out, views.FailedDelivery{EventID: f.Event.ID, Event: f.Event.Event, Receiver: f.Receiver,
			Error: redactString(f.Err.Error(), n.s.secrets)})
	}
	return out
}

func countsText(c map[string]int) string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", c[k], strings.ReplaceAll(k, "_", " "))
	}
	if len(parts) == 0 {
		return "nothing to do"
	}
	return strings.Join(parts, ", ")
}

// Commerce step names whose failure is an auto-cancellation or auto-creation failure.
var (
	cancelSteps = []string{"cancel", "await_cancel"}
	createSteps = []string{"order", "await_order", "change", "await_change"}
)

// derive returns the events of one instance of a run. since, when set, lets an unchanged instance
// whose change finished after it (the outbox was made) derive its completion again: an apply killed
// after the journal recorded it but before the outbox did.
func (n *notifier) derive(e state.RunEntry, r *state.Resource, runID string, since time.Time) []notify.Event {
	mk := func(kind, msg string, parts ...string) notify.Event {
		ev := notify.New(kind, n.lineage, append([]string{e.Addr}, parts...)...)
		ev.Time, ev.RunID, ev.Address, ev.Provider, ev.Message = time.Now().UTC(), runID, e.Addr, e.Provider, msg
		ev.Data = map[string]any{}
		return ev
	}
	var out []notify.Event
	switch e.Outcome {
	case views.OutcomeDone, views.OutcomeUnchanged:
		if r == nil || len(r.Steps) == 0 {
			return nil
		}
		if e.Outcome == views.OutcomeUnchanged && (since.IsZero() || lastFinished(r).Before(since)) {
			return nil
		}
		switch r.Status {
		case state.StatusFailed, state.StatusInProgress, state.StatusImported, "migrating", "scheduled", "unscheduled":
			return nil // not a completion (a schedule placed, an import, work still under way)
		}
		keys := stepKeys(r)
		switch r.Kind {
		case "subscription":
			ev := mk(notify.MigrationCompleted, fmt.Sprintf("%s migrated to New Commerce", e.Addr), keys...)
			ev.Data = migrationData(r)
			out = append(out, ev)
		case "cutover":
			ev := mk(notify.CutoverCompleted, fmt.Sprintf("%s cut over", e.Addr), keys...)
			ev.Data = map[string]any{"remote_ids": r.RemoteIDs}
			out = append(out, ev)
		}
	case views.OutcomeFailed:
		step, rec := failedStep(r)
		attempt, key := 0, ""
		if rec != nil {
			attempt, key = rec.Attempt, rec.Key
		}
		reason := strings.Join(e.Reasons, "; ")
		if rec != nil && rec.Error != "" {
			reason = rec.Error
		}
		// The keys of every step fix the occurrence: a new attempt of the change has new keys.
		parts := append([]string{step, fmt.Sprint(attempt), key}, stepKeys(r)...)
		ev := mk(notify.ChangeFailed, fmt.Sprintf("%s failed: %s", e.Addr, reason), parts...)
		ev.Data = map[string]any{"step": step, "attempt": attempt, "error": reason}
		out = append(out, ev)
		if e.Provider == "commerce" {
			kind := ""
			switch {
			case slices.Contains(cancelSteps, step):
				kind = notify.AutoCancellationFailed
			case slices.Contains(createSteps, step):
				kind = notify.AutoCreationFailed
			}
			if kind != "" {
				ev := mk(kind, fmt.Sprintf("%s: the Commerce %s order failed: %s", e.Addr, step, reason), parts...)
				ev.Data = map[string]any{"step": step, "attempt": attempt, "error": reason, "remote_ids": remoteIDs(r)}
				out = append(out, ev)
			}
		}
	case views.OutcomeBlocked:
		ev := mk(notify.ChangeBlocked, fmt.Sprintf("%s is blocked: %s", e.Addr, strings.Join(e.Reasons, "; ")), e.Reasons...)
		ev.Data = map[string]any{"reasons": e.Reasons, "customer": e.Customer, "source_ids": e.SourceIDs}
		out = append(out, ev)
	case views.OutcomeStillInProgress:
		if e.Provider != "partnercenter" || r == nil || r.RemoteIDs["migration_id"] == "" {
			return nil
		}
		out = append(out, n.timeoutEvent(e.Addr, r, runID, "its wait ended with the migration still Processing: "+strings.Join(e.Reasons, "; ")))
	}
	return out
}

func lastFinished(r *state.Resource) time.Time {
	var t time.Time
	for _, s := range r.Steps {
		if s != nil && s.FinishedAt.After(t) {
			t = s.FinishedAt
		}
	}
	return t
}

// stepKeys are the idempotency keys of r's steps, sorted: they fix the occurrence of a change.
func stepKeys(r *state.Resource) []string {
	var keys []string
	for name, s := range r.Steps {
		if s != nil {
			keys = append(keys, name+"="+s.Key)
		}
	}
	slices.Sort(keys)
	return keys
}

// failedStep returns the failed step of r (the last to finish, if several).
func failedStep(r *state.Resource) (string, *state.StepRecord) {
	if r == nil {
		return "", nil
	}
	var name string
	var rec *state.StepRecord
	for n, s := range r.Steps {
		if s != nil && s.Status == state.StepFailed && (rec == nil || s.FinishedAt.After(rec.FinishedAt) || (s.FinishedAt.Equal(rec.FinishedAt) && n < name)) {
			name, rec = n, s
		}
	}
	return name, rec
}

func remoteIDs(r *state.Resource) map[string]string {
	if r == nil {
		return nil
	}
	return r.RemoteIDs
}

// migrationData is the payload of a completed migration: the legacy and New Commerce subscriptions
// and the add-ons (legacy → new).
func migrationData(r *state.Resource) map[string]any {
	addons := []map[string]string{}
	for k, v := range r.RemoteIDs {
		if legacy, ok := strings.CutPrefix(k, "addon:"); ok {
			addons = append(addons, map[string]string{"legacy_subscription_id": legacy, "new_subscription_id": v})
		}
	}
	slices.SortFunc(addons, func(a, b map[string]string) int {
		return strings.Compare(a["legacy_subscription_id"], b["legacy_subscription_id"])
	})
	d := map[string]any{"addons": addons}
	for _, k := range []string{"customer_id", "legacy_subscription_id", "new_subscription_id", "new_order_id", "migration_id",
		"account_id", "source_subscription_id", "subscription_id", "order_id"} {
		if v := r.RemoteIDs[k]; v != "" {
			d[k] = v
		}
	}
	return d
}

// redactEvent removes the secrets from every text of e (a payload never carries one).
func redactEvent(e notify.Event, secrets []string) notify.Event {
	if len(secrets) == 0 {
		return e
	}
	e.Message = redactString(e.Message, secrets)
	if e.Data != nil {
		b, err := json.Marshal(e.Data)
		if err == nil {
			var d map[string]any
			if json.Unmarshal([]byte(redactString(string(b), secrets)), &d) == nil {
				e.Data = d
			}
		}
	}
	return e
}

func redactString(s string, secrets []string) string {
	if len(secrets) == 0 {
		return s
	}
	var b bytes.Buffer
	_, _ = newRedactor(&b, secrets).Write([]byte(s))
	return b.String()
}

// validationSummary is the summary of the plan error of a legacy subscription linked to two Commerce
// subscriptions (providers/commerce), CloudBlue's "Migration validation requirements not met".
const validationSummary = "Migration validation requirements not met"

// notifyPlanErrors sends validation_requirements_not_met for each plan error that says so, when an
// apply stops on its plan's errors (once per instance and linkage).
func (g *Globals) notifyPlanErrors(s *spec, st state.State, statePath string) {
	// A state never written has a new lineage each time it is opened: the events of its plan errors
	// are scoped to its path instead, so a re-apply derives the same IDs.
	scope := st.Lineage()
	if st.IsNew() {
		scope = "new state " + statePath
	}
	var evs []notify.Event
	for _, d := range g.planDiags {
		if d.Severity != hcl.DiagError || d.Summary != validationSummary {
			continue
		}
		addr, _, _ := strings.Cut(d.Detail, ": legacy Microsoft subscription")
		if _, err := model.ParseAddr(addr); err != nil {
			addr = ""
		}
		ev := notify.New(notify.ValidationRequirementsNotMet, scope, addr, d.Detail)
		ev.Time, ev.RunID, ev.Address, ev.Provider = time.Now().UTC(), g.RunID(), addr, "commerce"
		ev.Message, ev.Data = d.Detail, map[string]any{"summary": d.Summary, "detail": d.Detail}
		evs = append(evs, ev)
	}
	if len(evs) == 0 {
		return
	}
	n := g.startNotifier(s, st, statePath)
	if n == nil {
		return
	}
	n.send(evs...)
	close(n.live)
	<-n.stopped
	for _, f := range n.d.Close() {
		g.warnf(s, "notification %s (%s) to %s not delivered: %s", f.Event.Event, f.Event.ID, f.Receiver, redactString(f.Err.Error(), s.secrets))
	}
	_ = n.outbox.Close()
}
