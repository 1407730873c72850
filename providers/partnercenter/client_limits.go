package partnercenter

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ferry-dev/ferry/providers"
)

// Rate is a number of requests allowed per period; the zero Rate means no limit.
type Rate struct {
	Requests int
	Per      time.Duration
}

// Limits are the client-side rate limits, kept below Partner Center's own so that ferry tracks the
// limit instead of provoking 429s.
type Limits struct {
	// ValidatePerCustomer bounds POST …/migrations/newcommerce/validate per customer.
	ValidatePerCustomer Rate
	// CreatePerPartner bounds POST …/migrations/newcommerce for the whole partner.
	CreatePerPartner Rate
	// SubscriptionReads bounds GET …/subscriptions (list pages and single reads) for the partner.
	SubscriptionReads Rate
}

// DocumentedLimits returns Partner Center's documented limits: validate 450 per customer per
// 5 minutes, create 100 per partner per 5 minutes, subscription reads 500 per minute.
func DocumentedLimits() Limits {
	return Limits{
		ValidatePerCustomer: Rate{Requests: 450, Per: 5 * time.Minute},
		CreatePerPartner:    Rate{Requests: 100, Per: 5 * time.Minute},
		SubscriptionReads:   Rate{Requests: 500, Per: time.Minute},
	}
}

// ScaledLimits returns the documented limits with periods divided by factor (a sandbox whose time
// runs factor times faster). A factor of 1 or less returns the documented limits.
func ScaledLimits(factor float64) Limits {
	l := DocumentedLimits()
	if factor <= 1 {
		return l
	}
	scale := func(r Rate) Rate {
		r.Per = time.Duration(float64(r.Per) / factor)
		return r
	}
	return Limits{
		ValidatePerCustomer: scale(l.ValidatePerCustomer),
		CreatePerPartner:    scale(l.CreatePerPartner),
		SubscriptionReads:   scale(l.SubscriptionReads),
	}
}

// limiters holds the sliding windows built from Limits.
type limiters struct {
	validate Rate
	// createRate is the create limit create was built from (for SendLimit).
	createRate Rate
	create     *window
	reads      *window

	mu          sync.Mutex
	perCustomer map[string]*window
}

func newLimiters(l Limits) *limiters {
	return &limiters{
		validate:    l.ValidatePerCustomer,
		createRate:  l.CreatePerPartner,
		create:      newWindow(l.CreatePerPartner),
		reads:       newWindow(l.SubscriptionReads),
		perCustomer: map[string]*window{},
	}
}

func (l *limiters) validateFor(customerID string) *window {
	if l.validate.Requests <= 0 || l.validate.Per <= 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.perCustomer[customerID]
	if w == nil {
		w = newWindow(l.validate)
		l.perCustomer[customerID] = w
	}
	return w
}

// window lets at most n requests go in any period of length per (plus a small margin for network
// jitter): a sliding log of the last n grant times. Unlike a token bucket it allows the full
// documented burst at once — 100 creates go straight away, the 101st waits for the first to leave
// the window — and since every fixed window is a window, a server counting fixed windows never
// sees more than n either. Reserving is O(1).
type window struct {
	mu    sync.Mutex
	n     int
	per   time.Duration
	times []time.Time // ring of the last n grant times, oldest at next once full
	next  int
	now   func() time.Time
}

// minWindowMargin is the least margin added to a window, for the time a request takes to reach the
// server: 2 % of a documented window (6 s of 5 minutes) covers it, but not of the sub-second windows
// of a time-scaled sandbox, where a request delayed by a busy machine would land in the server's next
// window and be throttled.
const minWindowMargin = 50 * time.Millisecond

func newWindow(r Rate) *window {
	if r.Requests <= 0 || r.Per <= 0 {
		return nil
	}
	return &window{n: r.Requests, per: r.Per + max(r.Per/50, minWindowMargin), times: make([]time.Time, 0, r.Requests), now: time.Now}
}

// reserve books the next slot and returns how long to wait for it.
func (w *window) reserve() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	at := now
	if len(w.times) < w.n {
		w.times = append(w.times, at)
		return 0
	}
	if free := w.times[w.next].Add(w.per); free.After(at) {
		at = free
	}
	w.times[w.next] = at
	w.next = (w.next + 1) % w.n
	return at.Sub(now)
}

// wait books a slot in w (nil: no limit) and sleeps until it, through sleep so tests can inject time.
// The wait comes before the request is sent, so an interrupt of the run ends it at once with
// providers.ErrNotSent (see providers.WithSendStop).
func wait(ctx context.Context, w *window, sleep func(context.Context, time.Duration) error) error {
	if w == nil {
		return nil
	}
	if providers.SendStopped(ctx) {
		return providers.ErrNotSent
	}
	if d := w.reserve(); d > 0 {
		wctx, cancel := providers.PreSendContext(ctx)
		defer cancel()
		if err := sleep(wctx, d); err != nil {
			if providers.SendStopped(ctx) {
				return providers.ErrNotSent
			}
			return fmt.Errorf("waiting for the client-side rate limit: %w", err)
		}
	}
	return nil
}

// seed books grants that happened before this process started (sends an earlier run journaled), so
// the window paces from them: a re-apply started right after an interrupted one does not burst past
// the limit. Times older than the window are ignored; at most the newest n are kept.
func (w *window) seed(times []time.Time) {
	if w == nil || len(times) == 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	cutoff := w.now().Add(-w.per)
	recent := make([]time.Time, 0, len(times))
	for _, t := range times {
		if t.After(cutoff) {
			recent = append(recent, t)
		}
	}
	recent = append(recent, w.times...)
	slices.SortFunc(recent, func(a, b time.Time) int { return a.Compare(b) })
	if len(recent) > w.n {
		recent = recent[len(recent)-w.n:]
	}
	w.times, w.next = append(w.times[:0], recent...), 0
}

// RecordedSends tells the client when the creates of earlier runs were sent (from the journal), so
// that its create limit paces from them.
func (c *Client) RecordedSends(creates []time.Time) { c.lim.create.seed(creates) }
