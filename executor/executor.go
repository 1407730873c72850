// Package executor runs a plan's changes against the providers: a walk of the dependency graph with
// bounded parallelism, an intent journaled under a deterministic idempotency key before every
// mutating call (reconciled by that key on resume), one progress event per change and step plus a
// periodic Snapshot of the whole run (never one line per waiting change), and continue-past-failure of
// independent work.
package executor

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/state"
)

// Journal is what the executor needs of the state; *state.Store satisfies it. Every method is durable
// when it returns.
type Journal interface {
	Get(addr string) (*state.Resource, bool)
	// IntentWithIDs journals a step's intent with the remote IDs it will send besides its key.
	IntentWithIDs(addr, kind, provider, step string, attempt int, key string, remoteIDs map[string]string) error
	Progress(addr, step string, remoteIDs map[string]string) error
	Outcome(addr, step string, o state.StepOutcome) error
	Put(r *state.Resource) error
	Remove(addr string) error
}

// Options configure a run.
type Options struct {
	// Lineage of the state: part of every idempotency key.
	Lineage string
	// Parallelism bounds how many changes run at once (default 10).
	Parallelism int
	// OnEvent receives progress events; it is called from many goroutines, one event at a time.
	OnEvent func(Event)
	// OnSnapshot, when set, receives a Snapshot of the whole run every SnapshotEvery (default 30 s),
	// from a goroutine of its own, never at the same time as OnEvent.
	OnSnapshot func(Snapshot)
	// SnapshotEvery is how often OnSnapshot is called (default 30 s).
	SnapshotEvery time.Duration
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// EarlierSends are, per provider, the times earlier runs sent mutating calls (from the journal),
	// so that a re-apply right after an interrupted one shows them in its send rate and when the
	// limit lets the next call go, as the provider's pacing counts them.
	EarlierSends map[string][]time.Time
}

// Result is how a run ended.
type Result struct {
	// Done counts changes that finished.
	Done int
	// Failed lists changes whose step failed, with the error.
	Failed []ChangeError
	// Skipped lists changes not started because something they depend on failed.
	Skipped []ChangeError
	// Interrupted counts changes stopped by cancellation while they ran; a re-apply resumes them.
	Interrupted int
	// NotStarted counts changes never started because of the cancellation; a re-apply starts them.
	NotStarted int
	// StillWaiting lists changes whose remote work was still under way when their wait ended (its
	// timeout passed, or its status could not be read): not failures; a re-apply keeps waiting.
	StillWaiting []ChangeError
	// StatusReads counts the batched status reads of the watchers (one Status call each).
	StatusReads int64
}

// ChangeError pairs an address with why it did not finish.
type ChangeError struct {
	Addr model.Addr
	Step string
	Err  error
}

// OK reports whether every change finished.
func (r Result) OK() bool {
	return len(r.Failed) == 0 && len(r.Skipped) == 0 && r.Interrupted == 0 && r.NotStarted == 0 && len(r.StillWaiting) == 0
}

// IdempotencyKey derives the key a step is sent under: a name-based UUID (SHA-1, RFC 4122 v5) of the
// state lineage, the address, the step and its attempt, so a resume computes the same key again and a
// deliberate new attempt gets a new one.
func IdempotencyKey(lineage string, addr model.Addr, step string, attempt int) string {
	ns := uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://ferry.dev/idempotency"))
	return uuid.NewSHA1(ns, []byte(fmt.Sprintf("%s\x00%s\x00%s\x00%d", lineage, addr, step, attempt))).String()
}

// errInterrupted marks a step stopped by cancellation: not a failure, resumable.
var errInterrupted = errors.New("interrupted")

// errNotStarted marks a change stopped by cancellation before its first step took a slot.
var errNotStarted = errors.New("not started")

// Run executes the changes. Cancelling stop makes Run start nothing new and cancel waits
// (non-mutating steps); mutating calls already sent are allowed to finish and be journaled, unless
// hard is cancelled too. Run returns when every started change has ended.
func Run(stop, hard context.Context, changes []model.Change, byName map[string]providers.Provider, j Journal, opt Options) Result {
	if opt.Parallelism <= 0 {
		opt.Parallelism = 10
	}
	if opt.SnapshotEvery <= 0 {
		opt.SnapshotEvery = 30 * time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	r := &runner{opt: opt, providers: byName, j: j, stop: stop, hard: hard, started: opt.Now(),
		slots: make(chan struct{}, opt.Parallelism), finished: make(chan struct{}),
		prog: newProgress(opt.Now, len(changes), byName)}
	r.prog.seed(opt.EarlierSends)
	r.emitMu = &sync.Mutex{}
	defer close(r.finished)
	res := r.walk(changes)
	res.StatusReads = r.statusReads.Load()
	return res
}

type runner struct {
	opt       Options
	providers map[string]providers.Provider
	j         Journal
	stop      context.Context
	hard      context.Context
	// started is when Run began: every step an earlier apply sent was sent before it.
	started time.Time

	emitMu *sync.Mutex
	mu     sync.Mutex
	// prog counts where the changes are, for the snapshots.
	prog *progress
	// slots bounds the steps that hold a parallelism slot (every step but a watched wait).
	slots chan struct{}
	// watchers are the batched status readers, one per provider that is a providers.Watcher.
	watchers map[string]*watcher
	// finished is closed when Run returns; watchers end with it.
	finished chan struct{}
	// statusReads counts the watchers' Status calls.
	statusReads atomic.Int64
}

func (r *runner) emit(e Event) {
	if r.opt.OnEvent == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = r.opt.Now()
	}
	r.emitMu.Lock()
	defer r.emitMu.Unlock()
	r.opt.OnEvent(e)
}

// walk runs the dependency graph: a change starts when all the changes it depends on (within this
// run) have finished; a change whose dependency failed is skipped.
func (r *runner) walk(changes []model.Change) Result {
	type node struct {
		change  model.Change
		waiting int
		next    []int
		dead    error // set when a dependency failed
	}
	nodes := make([]*node, len(changes))
	idx := make(map[model.Addr]int, len(changes))
	for i, c := range changes {
		nodes[i] = &node{change: c}
		idx[c.Addr] = i
	}
	for i, n := range nodes {
		for _, d := range n.change.DependsOn {
			if j, ok := idx[d]; ok && j != i {
				n.waiting++
				nodes[j].next = append(nodes[j].next, i)
			}
		}
	}

	var res Result
	type done struct {
		i   int
		err *ChangeError
	}
	ready := make([]int, 0, len(nodes))
	for i, n := range nodes {
		if n.waiting == 0 {
			ready = append(ready, i)
		}
	}
	finished := make(chan done)
	inflight := 0
	remaining := len(nodes)

	snapDone := make(chan struct{})
	go r.snapshots(snapDone)
	defer close(snapDone)

	release := func(i int, failed error) {
		for _, k := range nodes[i].next {
			if failed != nil && nodes[k].dead == nil && errors.Is(failed, errInterrupted) {
				nodes[k].dead = errInterrupted
			} else if failed != nil && nodes[k].dead == nil {
				nodes[k].dead = fmt.Errorf("not started: it depends on %s, which did not finish", nodes[i].change.Addr)
			}
			nodes[k].waiting--
			if nodes[k].waiting == 0 {
				ready = append(ready, k)
			}
		}
	}

	for remaining > 0 {
		// Start whatever is ready, unless stopping: a change holds a parallelism slot only while one of
		// its steps (other than a watched wait) runs, so the bound is kept in runStep.
		for len(ready) > 0 {
			i := ready[0]
			ready = ready[1:]
			n := nodes[i]
			if n.dead != nil || r.stop.Err() != nil {
				var err error = n.dead
				if err == nil {
					err = errInterrupted
				}
				remaining--
				if errors.Is(err, errInterrupted) {
					res.NotStarted++
					r.prog.end(func(p *progress) *int { return &p.notStarted })
				} else {
					res.Skipped = append(res.Skipped, ChangeError{Addr: n.change.Addr, Err: err})
					r.prog.end(func(p *progress) *int { return &p.skipped })
					r.emit(Event{Type: EventSkipped, Addr: n.change.Addr, Message: err.Error()})
				}
				release(i, err)
				continue
			}
			inflight++
			go func(i int) {
				ce := r.runChange(nodes[i].change)
				// Counted as it ends, not when the walk gets to it: hundreds of waits can end at once.
				r.prog.end(endedAs(ce))
				finished <- done{i: i, err: ce}
			}(i)
		}
		if inflight == 0 {
			if remaining > 0 && len(ready) == 0 {
				// Only possible with a dependency cycle, which hclspec rejects; do not hang.
				for i, n := range nodes {
					if n.waiting > 0 {
						res.Skipped = append(res.Skipped, ChangeError{Addr: nodes[i].change.Addr, Err: errors.New("not started: dependency cycle")})
						r.prog.end(func(p *progress) *int { return &p.skipped })
						remaining--
					}
				}
			}
			continue
		}
		d := <-finished
		inflight--
		remaining--
		var failed error
		if d.err != nil {
			failed = d.err.Err
			switch {
			case errors.Is(d.err.Err, errNotStarted):
				res.NotStarted++
				failed = errInterrupted
			case errors.Is(d.err.Err, errStillWaiting):
				res.StillWaiting = append(res.StillWaiting, *d.err)
			case errors.Is(d.err.Err, errInterrupted):
				res.Interrupted++
			default:
				res.Failed = append(res.Failed, *d.err)
			}
		} else {
			res.Done++
		}
		release(d.i, failed)
	}
	sort.Slice(res.Failed, func(a, b int) bool { return res.Failed[a].Addr < res.Failed[b].Addr })
	sort.Slice(res.StillWaiting, func(a, b int) bool { return res.StillWaiting[a].Addr < res.StillWaiting[b].Addr })
	sort.Slice(res.Skipped, func(a, b int) bool { return res.Skipped[a].Addr < res.Skipped[b].Addr })
	return res
}

// snapshots hands a Snapshot of the run to OnSnapshot at each tick, until done is closed. A snapshot
// costs O(outstanding waits), however many changes the run has.
func (r *runner) snapshots(done <-chan struct{}) {
	if r.opt.OnSnapshot == nil {
		return
	}
	t := time.NewTicker(r.opt.SnapshotEvery)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		s := r.prog.snapshot()
		s.StatusReads = r.statusReads.Load()
		r.emitMu.Lock()
		r.opt.OnSnapshot(s)
		r.emitMu.Unlock()
	}
}
