package providers

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryAfter reads a Retry-After header (RFC 9110 §10.2.3): delay-seconds (a fraction is
// tolerated) or an HTTP-date, at most limit. Absent, unreadable, zero, negative or past values are
// 0. Every provider's client reads the header through it.
func RetryAfter(h string, now time.Time, limit time.Duration) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseFloat(h, 64); err == nil {
		if math.IsNaN(secs) || secs <= 0 {
			return 0
		}
		if secs >= limit.Seconds() {
			return limit
		}
		d = time.Duration(secs * float64(time.Second))
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now)
	}
	if d <= 0 {
		return 0
	}
	return min(d, limit)
}
