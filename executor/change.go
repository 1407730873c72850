package executor

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/state"
)

// EventType names what happened.
type EventType string

// Event types, in the order a change produces them.
const (
	EventStart      EventType = "start"       // a change started
	EventStep       EventType = "step"        // a step started
	EventReconciled EventType = "reconciled"  // an interrupted step was found done remotely by its key
	EventProgress   EventType = "progress"    // a step reported progress
	EventDone       EventType = "done"        // a change finished
	EventFailed     EventType = "failed"      // a change failed
	EventSkipped    EventType = "skipped"     // a change was not started (a dependency failed)
	EventStopped    EventType = "interrupted" // a change was stopped by cancellation; resumable
	EventWaiting    EventType = "waiting"     // a change's wait ended with the remote work still under way; resumable
	EventWarning    EventType = "warning"     // something went wrong that did not stop the change (a journal write of remote IDs)
)

// Ends reports whether the event ends its change (done, failed, skipped, interrupted, waiting).
func (t EventType) Ends() bool {
	switch t {
	case EventDone, EventFailed, EventSkipped, EventStopped, EventWaiting:
		return true
	}
	return false
}

// Event is one progress report of a run.
type Event struct {
	Time    time.Time         `json:"time"`
	Type    EventType         `json:"type"`
	Addr    model.Addr        `json:"address"`
	Step    string            `json:"step,omitempty"`
	Message string            `json:"message,omitempty"`
	Elapsed time.Duration     `json:"elapsed_ns,omitempty"`
	IDs     map[string]string `json:"remote_ids,omitempty"`
}

// runChange executes one change's steps in order and records the result in the journal. Each step
// but a watched wait holds a parallelism slot while it runs; a change stopped before its first step
// got a slot was not started.
func (r *runner) runChange(c model.Change) *ChangeError {
	start := r.opt.Now()
	msg := c.Summary
	if msg == "" {
		msg = string(c.Action)
	}
	started := false
	begin := func() {
		if !started {
			started = true
			start = r.opt.Now()
			r.emit(Event{Type: EventStart, Addr: c.Addr, Message: msg})
		}
	}
	switch c.Action {
	case model.ActionForget:
		begin()
		if err := r.j.Remove(string(c.Addr)); err != nil {
			return r.fail(c.Addr, "", fmt.Errorf("forget: %w", err))
		}
		r.emit(Event{Type: EventDone, Addr: c.Addr, Message: "forgotten (nothing remote was touched)"})
		return nil
	}

	prov, ok := r.providers[c.Provider]
	if !ok && len(c.Steps) > 0 {
		return r.fail(c.Addr, "", fmt.Errorf("provider %q is not available", c.Provider))
	}
	var last model.Outcome
	earlier := map[string]string{}
	watcher, watches := prov.(providers.Watcher)
	// A change counts as waiting from its wait's start until it moves on or ends (the wait's outcome
	// and the state entry are journaled meanwhile).
	waiting := false
	leave := func() {
		if waiting {
			waiting = false
			r.prog.waitLeft()
		}
	}
	defer leave()
	for _, step := range c.Steps {
		step.Earlier = maps.Clone(earlier)
		var out model.Outcome
		var err error
		if step.Wait && watches {
			begin()
			leave()
			waiting = true
			out, err = r.awaitStep(watcher, c, step)
		} else {
			leave()
			if !r.acquire() {
				if !started {
					return &ChangeError{Addr: c.Addr, Err: errNotStarted}
				}
				r.emit(Event{Type: EventStopped, Addr: c.Addr, Step: step.Name, Message: "stopped; run apply again to resume"})
				return &ChangeError{Addr: c.Addr, Step: step.Name, Err: errInterrupted}
			}
			begin()
			out, err = r.runStep(prov, c, step)
			r.release()
		}
		if err != nil {
			if errors.Is(err, errStillWaiting) {
				r.emit(Event{Type: EventWaiting, Addr: c.Addr, Step: step.Name, Message: err.Error()})
				return &ChangeError{Addr: c.Addr, Step: step.Name, Err: err}
			}
			if errors.Is(err, errInterrupted) {
				r.emit(Event{Type: EventStopped, Addr: c.Addr, Step: step.Name, Message: "stopped; run apply again to resume"})
				return &ChangeError{Addr: c.Addr, Step: step.Name, Err: errInterrupted}
			}
			return r.fail(c.Addr, step.Name, err)
		}
		last = out
		maps.Copy(earlier, out.RemoteIDs)
	}
	begin()
	if c.State != nil {
		if err := r.record(c); err != nil {
			return r.fail(c.Addr, "", err)
		}
	}
	msg = string(c.Action)
	if c.State != nil && c.State.Status != "" {
		msg = c.State.Status
	}
	if last.Status != "" {
		msg = last.Status
	}
	r.emit(Event{Type: EventDone, Addr: c.Addr, Message: msg, Elapsed: r.opt.Now().Sub(start), IDs: last.RemoteIDs})
	return nil
}

func (r *runner) fail(addr model.Addr, step string, err error) *ChangeError {
	r.emit(Event{Type: EventFailed, Addr: addr, Step: step, Message: err.Error()})
	return &ChangeError{Addr: addr, Step: step, Err: err}
}

// runStep runs one step exactly once across crashes: a mutating step whose intent is journaled with
// no outcome is first reconciled by its key; only when the remote system has no trace of it is it sent.
func (r *runner) runStep(prov providers.Provider, c model.Change, step model.Step) (model.Outcome, error) {
	addr := string(c.Addr)
	key := IdempotencyKey(r.opt.Lineage, c.Addr, step.Name, step.Attempt)
	r.emit(Event{Type: EventStep, Addr: c.Addr, Step: step.Name, Message: step.Description})

	prior := r.priorStep(addr, step.Name)
	if step.Mutating {
		if prior != nil && prior.Attempt == step.Attempt && prior.Status == state.StepDone {
			// Already done in an earlier run (the plan was made before that run finished).
			return model.Outcome{RemoteIDs: prior.RemoteIDs}, nil
		}
		if r.stop.Err() != nil {
			return model.Outcome{}, errInterrupted
		}
		if prior != nil && prior.Attempt == step.Attempt && prior.Status == state.StepIntent {
			if prior.Key != "" {
				key = prior.Key
			}
			step.IntentAt = prior.StartedAt
			// The remote IDs the interrupted step journaled with its intent or as progress (e.g. the
			// batch id a Partner Center create sends as externalReferenceId) are what it is found
			// by; Do, when nothing is found, sends again with them.
			step.Earlier = merge(step.Earlier, prior.RemoteIDs)
			out, found, err := prov.Reconcile(r.hard, step, key)
			if err == nil && !found {
				out, found, err = r.reconcileSettled(prov, c, step, key)
			}
			if err != nil {
				if errors.Is(err, errInterrupted) || r.hard.Err() != nil {
					return out, errInterrupted
				}
				return out, fmt.Errorf("%s: reconcile the interrupted step by its key %s: %w; nothing was sent again", step.Name, key, err)
			}
			if found {
				r.emit(Event{Type: EventReconciled, Addr: c.Addr, Step: step.Name, IDs: out.RemoteIDs,
					Message: "an earlier apply already sent this step; found it by its idempotency key"})
				return out, r.outcome(c, step, key, out, nil)
			}
		} else {
			// IDs the step sends besides its key are journaled with its intent, before it is sent.
			var ids map[string]string
			if p, ok := prov.(providers.IntentIDer); ok {
				ids = p.IntentIDs(step)
			}
			if err := r.j.IntentWithIDs(addr, c.Kind, c.Provider, step.Name, step.Attempt, key, ids); err != nil {
				return model.Outcome{}, fmt.Errorf("%s: journal intent: %w", step.Name, err)
			}
			step.Earlier = merge(step.Earlier, ids)
		}
	}
	ctx := r.stop
	if step.Mutating {
		// A mutating call that was sent is allowed to finish, so its outcome is journaled; a wait
		// before it is sent (pacing, a back-off after a 429) ends at once when the run stops.
		ctx = providers.WithSendStop(r.hard, r.stop)
	}
	if step.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, step.Timeout)
		defer cancel()
	}
	out, err := prov.Do(ctx, step, key, func(e model.Event) {
		if len(e.RemoteIDs) > 0 {
			r.journalProgress(c.Addr, step.Name, e.RemoteIDs)
		}
		r.emit(Event{Type: EventProgress, Addr: c.Addr, Step: step.Name, Message: e.Message, IDs: e.RemoteIDs})
	})
	if err != nil && step.Mutating && errors.Is(err, providers.ErrNotSent) {
		// Given up before it was sent: the intent stays, and the next apply reconciles it by its key
		// (finding nothing) before it sends it.
		return out, errInterrupted
	}
	if step.Mutating {
		// Counted once the call is over (a call waiting for its rate limit is not sent yet).
		r.prog.sent(c.Provider)
	}
	if err != nil && (r.stop.Err() != nil && !step.Mutating || r.hard.Err() != nil) {
		// Cancelled: not a failure. A mutating step keeps its intent and is reconciled on resume.
		return out, errInterrupted
	}
	if err != nil && errors.Is(err, context.DeadlineExceeded) && step.Timeout > 0 {
		err = fmt.Errorf("%s: timed out after %s (the remote work may still finish; run apply again to keep waiting)",
			step.Name, step.Timeout)
	}
	if err != nil && step.Mutating && errors.Is(err, model.ErrOutcomeUnknown) {
		// Leave the intent without an outcome: the next apply reconciles it by this key.
		return out, fmt.Errorf("%w; the step's intent is kept: the next apply looks for it by its key %s before sending anything", err, key)
	}
	if jerr := r.outcome(c, step, key, out, err); jerr != nil {
		return out, jerr
	}
	return out, err
}

// reconcileSettled asks Reconcile again, once the provider's settle time has passed since the run
// began, about an interrupted step it did not find: the provider's lists may lag behind a create
// (providers.Settler), and the earlier apply may have sent the step just before it ended, so "not
// found" right away does not yet mean "not sent". Sending it again then would place a second order
// or start a second migration. The wait is interrupted by a stop (the intent stays).
func (r *runner) reconcileSettled(prov providers.Provider, c model.Change, step model.Step, key string) (model.Outcome, bool, error) {
	s, ok := prov.(providers.Settler)
	if !ok {
		return model.Outcome{}, false, nil
	}
	settle := s.Settle(step)
	left := settle - r.opt.Now().Sub(r.started)
	if settle <= 0 || left <= 0 {
		return model.Outcome{}, false, nil
	}
	r.emit(Event{Type: EventProgress, Addr: c.Addr, Step: step.Name, Message: fmt.Sprintf(
		"not found by its key yet; %s lists may show a new object up to %s after it was created: looking again in %s before sending anything",
		c.Provider, settle.Round(time.Second), left.Round(time.Second))})
	t := time.NewTimer(left)
	defer t.Stop()
	select {
	case <-r.stop.Done():
		return model.Outcome{}, false, errInterrupted
	case <-t.C:
	}
	return prov.Reconcile(r.hard, step, key)
}

// outcome journals the end of a step. The outcome of a change's last step that succeeded carries the
// change's final state entry too (one record), so that no crash can separate them: before, the entry
// was put by a record of its own, and a kill -9 between the two left a resource whose status said
// migrated without its customer_id and legacy_subscription_id.
func (r *runner) outcome(c model.Change, step model.Step, key string, out model.Outcome, stepErr error) error {
	o := state.StepOutcome{
		Kind: c.Kind, Provider: c.Provider, Attempt: step.Attempt, Key: key,
		RemoteIDs: out.RemoteIDs, Attributes: out.Attributes, Status: out.Status,
	}
	if stepErr != nil {
		o.Failed = true
		o.Error = stepErr.Error()
		o.Status = state.StatusFailed
	} else if n := len(c.Steps); c.State != nil && n > 0 && c.Steps[n-1].Name == step.Name {
		o.Final = c.State
	}
	if err := r.j.Outcome(string(c.Addr), step.Name, o); err != nil {
		return fmt.Errorf("%s: journal outcome: %w", step.Name, err)
	}
	return nil
}

// record merges the change's final state entry into what the steps journaled, and puts it — unless
// the entry is already there, which it is when the last step's outcome carried it (see outcome); a
// change with no steps (import, refresh) or whose last step was done by an earlier run is put here.
func (r *runner) record(c model.Change) error {
	cur, ok := r.j.Get(string(c.Addr))
	if !ok {
		cur = &state.Resource{Addr: string(c.Addr)}
	}
	before := cur.Clone()
	want := c.State
	cur.Addr = string(c.Addr)
	if want.Kind != "" {
		cur.Kind = want.Kind
	} else if cur.Kind == "" {
		cur.Kind = c.Kind
	}
	if want.Provider != "" {
		cur.Provider = want.Provider
	} else if cur.Provider == "" {
		cur.Provider = c.Provider
	}
	if want.Status != "" {
		cur.Status = want.Status
	}
	cur.RemoteIDs = merge(cur.RemoteIDs, want.RemoteIDs)
	cur.Attributes = merge(cur.Attributes, want.Attributes)
	if ok && sameEntry(before, cur) {
		return nil
	}
	if err := r.j.Put(cur); err != nil {
		return fmt.Errorf("record state: %w", err)
	}
	return nil
}

// sameEntry reports whether a and b agree on everything record sets.
func sameEntry(a, b *state.Resource) bool {
	return a.Addr == b.Addr && a.Kind == b.Kind && a.Provider == b.Provider && a.Status == b.Status &&
		maps.Equal(a.RemoteIDs, b.RemoteIDs) && maps.Equal(a.Attributes, b.Attributes)
}

// merge copies src into dst, allocating dst when there is something to copy.
func merge(dst, src map[string]string) map[string]string {
	if dst == nil && len(src) > 0 {
		dst = make(map[string]string, len(src))
	}
	maps.Copy(dst, src)
	return dst
}

func (r *runner) priorStep(addr, step string) *state.StepRecord {
	res, ok := r.j.Get(addr)
	if !ok || res.Steps == nil {
		return nil
	}
	return res.Steps[step]
}

// journalProgress journals remote IDs a step reported while it runs, so that a crash after this
// point can be reconciled; a journal error is reported as an event (the step goes on).
func (r *runner) journalProgress(addr model.Addr, step string, ids map[string]string) {
	if err := r.j.Progress(string(addr), step, ids); err != nil {
		r.emit(Event{Type: EventWarning, Addr: addr, Step: step, Message: "could not journal remote IDs: " + err.Error()})
	}
}

// acquire takes a parallelism slot; false when the run is stopping (no slot is held then).
func (r *runner) acquire() bool {
	if r.stop.Err() != nil {
		return false
	}
	select {
	case r.slots <- struct{}{}:
		if r.stop.Err() != nil {
			<-r.slots
			return false
		}
		r.prog.slot(1)
		return true
	case <-r.stop.Done():
		return false
	}
}

// release gives back a slot taken by acquire.
func (r *runner) release() {
	r.prog.slot(-1)
	<-r.slots
}

// awaitStep hands a wait step to its provider's watcher: the change holds no slot while it waits.
func (r *runner) awaitStep(w providers.Watcher, c model.Change, step model.Step) (model.Outcome, error) {
	r.emit(Event{Type: EventStep, Addr: c.Addr, Step: step.Name, Message: step.Description})
	r.prog.waitStarted(c.Addr, step.Name)
	out, err := r.watcherFor(c.Provider, w).await(c, step)
	r.prog.waitOver(c.Addr)
	if err != nil && (errors.Is(err, errInterrupted) || errors.Is(err, errStillWaiting)) {
		return out, err
	}
	key := IdempotencyKey(r.opt.Lineage, c.Addr, step.Name, step.Attempt)
	if jerr := r.outcome(c, step, key, out, err); jerr != nil {
		return out, jerr
	}
	return out, err
}
