package partnercenter

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
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

// limiters holds token buckets built from Limits. A bucket of burst b refilled at (N-b)/W never
// lets more than N requests through in any window of length W, so a server counting fixed windows
// does not answer 429.
type limiters struct {
	validate Rate
	create   *rate.Limiter
	reads    *rate.Limiter

	mu          sync.Mutex
	perCustomer map[string]*rate.Limiter
}

func newLimiters(l Limits) *limiters {
	return &limiters{
		validate:    l.ValidatePerCustomer,
		create:      bucket(l.CreatePerPartner),
		reads:       bucket(l.SubscriptionReads),
		perCustomer: map[string]*rate.Limiter{},
	}
}

func bucket(r Rate) *rate.Limiter {
	if r.Requests <= 0 || r.Per <= 0 {
		return nil
	}
	burst := r.Requests / 10
	if burst < 1 {
		burst = 1
	}
	refill := r.Requests - burst
	if refill < 1 {
		refill = 1
	}
	return rate.NewLimiter(rate.Limit(float64(refill)/r.Per.Seconds()), burst)
}

func (l *limiters) validateFor(customerID string) *rate.Limiter {
	if l.validate.Requests <= 0 || l.validate.Per <= 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	lim := l.perCustomer[customerID]
	if lim == nil {
		lim = bucket(l.validate)
		l.perCustomer[customerID] = lim
	}
	return lim
}

// wait takes one token from lim (nil: no limit), sleeping through sleep so tests can inject time.
func wait(ctx context.Context, lim *rate.Limiter, sleep func(context.Context, time.Duration) error) error {
	if lim == nil {
		return nil
	}
	r := lim.Reserve()
	if !r.OK() {
		return fmt.Errorf("client-side rate limit cannot be met")
	}
	if d := r.Delay(); d > 0 {
		if err := sleep(ctx, d); err != nil {
			r.Cancel()
			return fmt.Errorf("waiting for the client-side rate limit: %w", err)
		}
	}
	return nil
}
