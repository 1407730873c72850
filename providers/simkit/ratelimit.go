package simkit

import (
	"sync"
	"time"
)

// Limit is a number of requests allowed per fixed window.
type Limit struct {
	Requests int
	Window   time.Duration
}

// RateLimiter counts requests per key in fixed windows that start with a key's first request.
// It is safe for concurrent use.
type RateLimiter struct {
	now     func() time.Time
	mu      sync.Mutex
	windows map[string]*window
}

type window struct {
	start time.Time
	count int
}

// NewRateLimiter returns a limiter reading the time from now (nil: time.Now).
func NewRateLimiter(now func() time.Time) *RateLimiter {
	if now == nil {
		now = time.Now
	}
	return &RateLimiter{now: now, windows: map[string]*window{}}
}

// Allow counts one request under key and reports whether it is within l; when it is not, retryAfter
// is how long until the window ends. A zero Limit allows everything.
func (r *RateLimiter) Allow(key string, l Limit) (ok bool, retryAfter time.Duration) {
	if l.Requests <= 0 || l.Window <= 0 {
		return true, 0
	}
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.windows[key]
	if w == nil || !now.Before(w.start.Add(l.Window)) {
		w = &window{start: now}
		r.windows[key] = w
	}
	if w.count >= l.Requests {
		return false, w.start.Add(l.Window).Sub(now)
	}
	w.count++
	return true, 0
}
