package executor

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
)

// maxStatusFailures is how many status reads in a row may fail for one wait before it ends as still
// in progress (the remote work goes on; the next apply keeps waiting).
const maxStatusFailures = 5

// errStillWaiting marks a wait that ended without the remote work ending (its step timed out, or
// its status could not be read): not a failure; the change stays in progress for the next apply.
var errStillWaiting = errors.New("still in progress")

// watcher is the executor's side of one provider's batched status reads: every outstanding wait of
// the provider is due at its own time (first read after the provider's first interval, then backing
// off to its max), and each round reads all due waits in one Status call.
type watcher struct {
	r     *runner
	name  string
	prov  providers.Watcher
	first time.Duration
	max   time.Duration

	mu    sync.Mutex
	waits map[*pendingWait]struct{}
	wake  chan struct{}
	once  sync.Once
}

// pendingWait is one wait handed to a watcher.
type pendingWait struct {
	wait     model.Wait
	next     time.Time
	interval time.Duration
	deadline time.Time // zero: none
	failures int
	seen     bool   // a status was read at least once
	shown    string // the last progress message emitted
	done     chan waitResult
}

// waitResult is how a wait ended.
type waitResult struct {
	out model.Outcome
	err error
}

// watcherFor returns the watcher of provider name, starting it on first use.
func (r *runner) watcherFor(name string, w providers.Watcher) *watcher {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.watchers == nil {
		r.watchers = map[string]*watcher{}
	}
	if wt, ok := r.watchers[name]; ok {
		return wt
	}
	first, max := w.WatchPace()
	if first <= 0 {
		first = time.Second
	}
	if max < first {
		max = first
	}
	wt := &watcher{r: r, name: name, prov: w, first: first, max: max, waits: map[*pendingWait]struct{}{}, wake: make(chan struct{}, 1)}
	r.watchers[name] = wt
	return wt
}

// await hands a wait step to the watcher and blocks (holding no slot) until the remote work ends,
// the step times out, or the run is stopped.
func (wt *watcher) await(c model.Change, step model.Step) (model.Outcome, error) {
	now := wt.r.opt.Now()
	// The first read comes one interval after the wait starts (the work was just started), so the
	// waits started together are read together.
	pw := &pendingWait{wait: model.Wait{Addr: c.Addr, Step: step}, next: now.Add(wt.first), interval: wt.first, done: make(chan waitResult, 1)}
	if step.Timeout > 0 {
		pw.deadline = now.Add(step.Timeout)
	}
	wt.mu.Lock()
	wt.waits[pw] = struct{}{}
	wt.mu.Unlock()
	wt.once.Do(func() { go wt.loop() })
	wt.poke()
	select {
	case res := <-pw.done:
		return res.out, res.err
	case <-wt.r.stop.Done():
		wt.mu.Lock()
		delete(wt.waits, pw)
		wt.mu.Unlock()
		return model.Outcome{}, errInterrupted
	}
}

func (wt *watcher) poke() {
	select {
	case wt.wake <- struct{}{}:
	default:
	}
}

// loop reads due waits until the run ends.
func (wt *watcher) loop() {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		due, others, next := wt.due()
		if len(due) > 0 {
			wt.read(due, others)
			continue
		}
		d := time.Hour
		if !next.IsZero() {
			d = max(next.Sub(wt.r.opt.Now()), time.Millisecond)
		}
		timer.Reset(d)
		select {
		case <-wt.r.stop.Done():
			return
		case <-wt.r.finished:
			return
		case <-wt.wake:
		case <-timer.C:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// due returns the waits whose next read is due, the others, and when the next of the others is due.
// A wait due within a quarter of the first interval is read with this round: reading a little early
// costs nothing, and it keeps the waits of one customer in one read.
func (wt *watcher) due() (due, others []*pendingWait, next time.Time) {
	now := wt.r.opt.Now()
	soon := now.Add(wt.first / 4)
	wt.mu.Lock()
	defer wt.mu.Unlock()
	for pw := range wt.waits {
		if !pw.deadline.IsZero() && !now.Before(pw.deadline) {
			delete(wt.waits, pw)
			pw.done <- waitResult{err: fmt.Errorf("%w after %s (its step timeout): the remote work goes on, and a re-run of apply keeps waiting for it",
				errStillWaiting, pw.wait.Step.Timeout)}
			continue
		}
		at := pw.next
		if !pw.deadline.IsZero() && pw.deadline.Before(at) {
			at = pw.deadline
		}
		if !soon.Before(pw.next) {
			due = append(due, pw)
			continue
		}
		others = append(others, pw)
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	return due, others, next
}

// read runs one round: one Status call for every due wait. The waits not due yet go along (Due
// false): one the provider answers for was read with a due one of its batch, and counts as read.
func (wt *watcher) read(due, others []*pendingWait) {
	waits := make([]model.Wait, 0, len(due)+len(others))
	for _, pw := range due {
		w := pw.wait
		w.Due = true
		waits = append(waits, w)
	}
	for _, pw := range others {
		waits = append(waits, pw.wait)
	}
	wt.r.statusReads.Add(1)
	statuses, err := wt.prov.Status(wt.r.stop, waits)
	now := wt.r.opt.Now()
	wt.mu.Lock()
	defer wt.mu.Unlock()
	for i, pw := range append(due, others...) {
		if _, ok := wt.waits[pw]; !ok {
			continue // stopped meanwhile
		}
		if i >= len(due) {
			if _, answered := statuses[pw.wait.Addr]; err != nil || !answered {
				continue // not due, and not read with its batch
			}
		}
		if err != nil {
			pw.failures++
			if pw.failures >= maxStatusFailures {
				delete(wt.waits, pw)
				pw.done <- waitResult{err: fmt.Errorf("%w: its status could not be read %d times in a row (last: %w); the remote work goes on, and a re-run of apply keeps waiting for it",
					errStillWaiting, pw.failures, err)}
				continue
			}
			pw.next = now.Add(pw.interval)
			continue
		}
		pw.failures = 0
		st, ok := statuses[pw.wait.Addr]
		if ok && len(st.RemoteIDs) > 0 {
			wt.r.journalProgress(pw.wait.Addr, pw.wait.Step.Name, st.RemoteIDs)
		}
		if ok && st.Done {
			delete(wt.waits, pw)
			pw.done <- waitResult{out: st.Outcome, err: st.Err}
			continue
		}
		if ok && st.Message != "" && (!pw.seen || st.Message != pw.shown) {
			// A message is shown when it is the first or says something new (e.g. a migration
			// event); only identifiers not known before the wait are news (the migration's own ID
			// is not).
			wt.r.emit(Event{Type: EventProgress, Addr: pw.wait.Addr, Step: pw.wait.Step.Name, Message: st.Message, IDs: newIDs(st.RemoteIDs, pw.wait.Step.Earlier)})
			pw.shown = st.Message
		}
		pw.seen = pw.seen || ok
		pw.next = now.Add(pw.interval)
		pw.interval = min(pw.interval*2, wt.max)
	}
}

// newIDs returns the identifiers of ids that known does not already hold with the same value (nil
// when none).
func newIDs(ids, known map[string]string) map[string]string {
	var out map[string]string
	for k, v := range ids {
		if known[k] != v {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}
