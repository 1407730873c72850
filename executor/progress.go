package executor

import (
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
)

// Snapshot is where a whole run stands at one moment: what a progress display shows instead of one
// line per running change. Run hands one to Options.OnSnapshot every Options.SnapshotEvery.
type Snapshot struct {
	Time    time.Time
	Elapsed time.Duration // since Run started
	Total   int           // changes in the run

	// Where the changes are. Queued + Sending + Waiting + the ended ones = Total.
	Queued  int // not started yet, or between two steps and waiting for a parallelism slot
	Sending int // holding a parallelism slot: a step other than a watched wait runs
	Waiting int // the remote work is under way; a watcher reads its status

	// How the ended changes ended.
	Done         int
	Failed       int
	Skipped      int // a dependency did not finish
	Interrupted  int // stopped by an interrupt while running
	NotStarted   int // never started because of an interrupt
	StillWaiting int // the wait ended (timeout, unreadable status) with the remote work still under way

	// Rates are the mutating calls sent in the last minute, per provider, with the provider's send
	// limit when it declares one; sorted by provider.
	Rates []SendRate
	// ETA is the time left at the recent completion rate; ETAKnown is false while nothing has ended
	// recently (the rate is unknown).
	ETA      time.Duration
	ETAKnown bool
	// OldestWaits are the longest outstanding waits, oldest first (at most MaxOldestWaits).
	OldestWaits []WaitAge
	// StatusReads counts the watchers' batched status reads so far.
	StatusReads int64
}

// Ended counts the changes that ended, however they ended.
func (s Snapshot) Ended() int {
	return s.Done + s.Failed + s.Skipped + s.Interrupted + s.NotStarted + s.StillWaiting
}

// SendRate is one provider's mutating calls sent in the last minute, and its send limit.
type SendRate struct {
	Provider   string
	LastMinute int
	// Limit is Requests per Per (zero Requests: the provider declares none).
	Limit Limit
	// AtLimit is true when the last Limit.Per holds Limit.Requests sends: the next send waits for
	// NextIn, when the oldest of them leaves the window.
	AtLimit bool
	NextIn  time.Duration
}

// Limit is a number of requests allowed per period.
type Limit struct {
	Requests int
	Per      time.Duration
}

// PerMinute is the limit as requests per minute.
func (l Limit) PerMinute() float64 {
	if l.Requests <= 0 || l.Per <= 0 {
		return 0
	}
	return float64(l.Requests) * float64(time.Minute) / float64(l.Per)
}

// SendLimiter is implemented by providers that pace their mutating calls to a documented limit, so
// a progress display can show the send rate against it.
type SendLimiter interface {
	SendLimit() (requests int, per time.Duration)
}

// WaitAge is one outstanding wait and how long it has waited.
type WaitAge struct {
	Addr model.Addr
	Step string
	For  time.Duration
}

// MaxOldestWaits is how many of the oldest waits a Snapshot lists.
const MaxOldestWaits = 3

// etaWindow is how far back completions count towards the rate an ETA is computed from.
const etaWindow = 5 * time.Minute

// progress counts where the changes of a run are. Every update is O(1) (amortised); a snapshot is
// O(outstanding waits + recent events).
type progress struct {
	mu      sync.Mutex
	now     func() time.Time
	started time.Time
	total   int
	limits  map[string]Limit

	sending, waiting                                             int
	done, failed, skipped, interrupted, notStarted, stillWaiting int

	sends map[string]*times // per provider, the last minute of sends
	ended times             // the last etaWindow of ended changes
	waits map[model.Addr]waitStart
}

type waitStart struct {
	step string
	at   time.Time
}

// times is a queue of moments, pruned from the front.
type times struct{ t []time.Time }

func (q *times) add(t time.Time) { q.t = append(q.t, t) }

// count returns how many moments are at or after from, without dropping any.
func (q *times) count(from time.Time) int {
	i := sort.Search(len(q.t), func(i int) bool { return !q.t[i].Before(from) })
	return len(q.t) - i
}

// since drops the moments before from and returns how many remain.
func (q *times) since(from time.Time) int {
	i := sort.Search(len(q.t), func(i int) bool { return !q.t[i].Before(from) })
	if i > 0 {
		q.t = append(q.t[:0], q.t[i:]...)
	}
	return len(q.t)
}

func newProgress(now func() time.Time, total int, byName map[string]providers.Provider) *progress {
	p := &progress{now: now, started: now(), total: total, limits: map[string]Limit{},
		sends: map[string]*times{}, waits: map[model.Addr]waitStart{}}
	for name, prov := range byName {
		if l, ok := prov.(SendLimiter); ok {
			if n, per := l.SendLimit(); n > 0 && per > 0 {
				p.limits[name] = Limit{Requests: n, Per: per}
			}
		}
	}
	return p
}

// seed adds sends of earlier runs (per provider, any order) to the send rates; those older than the
// longest window a snapshot looks at are left out.
func (p *progress) seed(earlier map[string][]time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	for name, at := range earlier {
		keep := max(time.Minute, p.limits[name].Per)
		var recent []time.Time
		for _, t := range at {
			if t.After(now.Add(-keep)) && !t.After(now) {
				recent = append(recent, t)
			}
		}
		if len(recent) == 0 {
			continue
		}
		q := p.sends[name]
		if q == nil {
			q = &times{}
			p.sends[name] = q
		}
		q.t = append(q.t, recent...)
		sort.Slice(q.t, func(i, j int) bool { return q.t[i].Before(q.t[j]) })
	}
}

func (p *progress) slot(delta int) {
	p.mu.Lock()
	p.sending += delta
	p.mu.Unlock()
}

func (p *progress) sent(provider string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	q := p.sends[provider]
	if q == nil {
		q = &times{}
		p.sends[provider] = q
	}
	q.add(p.now())
}

func (p *progress) waitStarted(addr model.Addr, step string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.waiting++
	p.waits[addr] = waitStart{step: step, at: p.now()}
}

// waitOver takes a wait that ended off the oldest waits; the change still counts as waiting until
// it moves on (waitLeft): the wait's outcome is being journaled.
func (p *progress) waitOver(addr model.Addr) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.waits, addr)
}

func (p *progress) waitLeft() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.waiting--
}

// end counts a change that ended; n points at the counter of how.
func (p *progress) end(counter func(*progress) *int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	*counter(p)++
	p.ended.add(p.now())
}

// endedAs picks the counter of how a change ended (runChange's result).
func endedAs(ce *ChangeError) func(*progress) *int {
	switch {
	case ce == nil:
		return func(p *progress) *int { return &p.done }
	case errors.Is(ce.Err, errNotStarted):
		return func(p *progress) *int { return &p.notStarted }
	case errors.Is(ce.Err, errStillWaiting):
		return func(p *progress) *int { return &p.stillWaiting }
	case errors.Is(ce.Err, errInterrupted):
		return func(p *progress) *int { return &p.interrupted }
	}
	return func(p *progress) *int { return &p.failed }
}

// snapshot is where the run stands now.
func (p *progress) snapshot() Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	s := Snapshot{Time: now, Elapsed: now.Sub(p.started), Total: p.total,
		Sending: p.sending, Waiting: p.waiting, Done: p.done, Failed: p.failed, Skipped: p.skipped,
		Interrupted: p.interrupted, NotStarted: p.notStarted, StillWaiting: p.stillWaiting}
	s.Queued = max(s.Total-s.Sending-s.Waiting-s.Ended(), 0)

	names := make([]string, 0, len(p.sends)+len(p.limits))
	for name := range p.limits {
		names = append(names, name)
	}
	for name := range p.sends {
		if _, ok := p.limits[name]; !ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	unsent := s.Queued + s.Sending // changes whose sends are still to come (at most one each)
	var limitETA time.Duration
	for _, name := range names {
		r := SendRate{Provider: name, Limit: p.limits[name]}
		keep := max(time.Minute, r.Limit.Per)
		if q := p.sends[name]; q != nil {
			n := q.since(now.Add(-keep))
			r.LastMinute = n
			if r.Limit.Per > time.Minute {
				r.LastMinute = q.count(now.Add(-time.Minute))
			}
			if l := r.Limit; l.Requests > 0 {
				inWindow := q.count(now.Add(-l.Per))
				if inWindow >= l.Requests {
					r.AtLimit = true
					r.NextIn = max(q.t[len(q.t)-inWindow].Add(l.Per).Sub(now), 0)
				}
			}
		}
		if l := r.Limit; l.Requests > 0 && unsent > 0 {
			// At the limit, the unsent changes need this many more windows.
			windows := (unsent + l.Requests - 1) / l.Requests
			est := time.Duration(windows-1)*l.Per + r.NextIn
			limitETA = max(limitETA, est)
		}
		s.Rates = append(s.Rates, r)
	}

	// ETA: what remains at the rate changes ended over the last etaWindow (or since the start), but
	// never less than the send limit allows for the changes not sent yet.
	window := min(etaWindow, s.Elapsed)
	if recent := p.ended.since(now.Add(-etaWindow)); recent > 0 && window > 0 {
		remaining := s.Total - s.Ended()
		s.ETA = time.Duration(float64(remaining) * float64(window) / float64(recent))
		s.ETAKnown = true
	}
	if s.ETAKnown && limitETA > s.ETA {
		s.ETA = limitETA
	}

	// The oldest waits: one pass, keeping the MaxOldestWaits oldest.
	for addr, w := range p.waits {
		a := WaitAge{Addr: addr, Step: w.step, For: now.Sub(w.at)}
		i := len(s.OldestWaits)
		for i > 0 && older(a, s.OldestWaits[i-1]) {
			i--
		}
		if i >= MaxOldestWaits {
			continue
		}
		s.OldestWaits = append(s.OldestWaits, WaitAge{})
		copy(s.OldestWaits[i+1:], s.OldestWaits[i:])
		s.OldestWaits[i] = a
		if len(s.OldestWaits) > MaxOldestWaits {
			s.OldestWaits = s.OldestWaits[:MaxOldestWaits]
		}
	}
	return s
}

// older orders waits oldest first, then by address (so a snapshot does not depend on map order).
func older(a, b WaitAge) bool {
	if a.For != b.For {
		return a.For > b.For
	}
	return a.Addr < b.Addr
}
