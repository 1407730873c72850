package simkit

import (
	"context"
	"math"
	"sync"
	"time"
)

// Env is what a simulator shares with the others of one sandbox: the behaviour, the clock, request
// statistics, the fault injector and the rate limiter.
type Env struct {
	// Stats counts requests per operation.
	Stats *Stats
	// Faults injects the configured faults.
	Faults *Injector
	// Link connects the simulators of one sandbox (see Link).
	Link *Link

	wall    func() time.Time
	start   time.Time
	limiter *RateLimiter

	mu        sync.RWMutex
	behaviour Behaviour
}

// Option adjusts an Env.
type Option func(*Env)

// WithWallClock makes the Env read wall time from now instead of time.Now (tests).
func WithWallClock(now func() time.Time) Option {
	return func(e *Env) { e.wall = now }
}

// NewEnv returns an Env for b. Simulated time starts at the wall time of the call.
func NewEnv(b Behaviour, opts ...Option) *Env {
	e := &Env{Stats: NewStats(), Faults: NewInjector(b.Faults), Link: NewLink(), wall: time.Now}
	for _, o := range opts {
		o(e)
	}
	e.start = e.wall()
	e.limiter = NewRateLimiter(e.wall)
	b.Faults = nil
	e.behaviour = b
	return e
}

// Behaviour returns the behaviour in force, with the faults that can still hit.
func (e *Env) Behaviour() Behaviour {
	e.mu.RLock()
	b := e.behaviour
	e.mu.RUnlock()
	if f := e.Faults.Faults(); len(f) > 0 {
		b.Faults = f
	}
	return b
}

// Now returns the simulated time: it runs TimeFactor times faster than the wall clock.
func (e *Env) Now() time.Time {
	elapsed := e.wall().Sub(e.start)
	return e.start.Add(time.Duration(float64(elapsed) * e.factor()))
}

// Wall returns the wall-clock time.
func (e *Env) Wall() time.Time { return e.wall() }

// Duration returns the simulated duration of the remote work kind (def when not configured).
func (e *Env) Duration(kind string, def time.Duration) time.Duration {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.behaviour.DurationOf(kind, def)
}

// Listed reports whether an object created at created (simulated time) shows in list and query
// answers yet: only once the behaviour's query_lag has passed since.
func (e *Env) Listed(created time.Time) bool {
	e.mu.RLock()
	lag := time.Duration(e.behaviour.QueryLag)
	e.mu.RUnlock()
	return lag <= 0 || !e.Now().Before(created.Add(lag))
}

// PageSize returns the configured page size, or def.
func (e *Env) PageSize(def int) int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.behaviour.PageSize > 0 {
		return e.behaviour.PageSize
	}
	return def
}

// Limiting reports whether Allow can refuse a request (rate limits are not off): a simulator need not
// work out a request's limit key otherwise.
func (e *Env) Limiting() bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.behaviour.RateLimits != RateLimitsOff
}

// Allow applies the rate-limit mode to one request counted under key with the documented limit l.
// When refused, retryAfter is the wall time to wait, rounded up to whole seconds (at least 1 s) as
// a Retry-After header carries it.
func (e *Env) Allow(key string, l Limit) (ok bool, retryAfter time.Duration) {
	e.mu.RLock()
	mode := e.behaviour.RateLimits
	e.mu.RUnlock()
	switch mode {
	case RateLimitsOff:
		return true, 0
	case RateLimitsScaled:
		l.Window = time.Duration(float64(l.Window) / e.factor())
	}
	ok, d := e.limiter.Allow(key, l)
	if ok {
		return true, 0
	}
	return false, RoundUpSeconds(d)
}

// RoundUpSeconds rounds d up to whole seconds, at least one.
func RoundUpSeconds(d time.Duration) time.Duration {
	s := math.Ceil(d.Seconds())
	if s < 1 {
		s = 1
	}
	return time.Duration(s) * time.Second
}

// Delay waits the configured latency, or until ctx is done.
func (e *Env) Delay(ctx context.Context) {
	e.mu.RLock()
	d := time.Duration(e.behaviour.Latency)
	e.mu.RUnlock()
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func (e *Env) factor() float64 {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.behaviour.Factor()
}
