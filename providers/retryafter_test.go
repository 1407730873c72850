package providers

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for h, want := range map[string]time.Duration{
		"": 0, " 3 ": 3 * time.Second, "1.5": 1500 * time.Millisecond, "0": 0, "-1": 0, "NaN": 0, "+Inf": time.Hour,
		"soon": 0, "999999": time.Hour, now.Add(7 * time.Second).Format(http.TimeFormat): 7 * time.Second,
		now.Add(-time.Minute).Format(http.TimeFormat): 0, now.Add(3 * time.Hour).Format(http.TimeFormat): time.Hour,
	} {
		if got := RetryAfter(h, now, time.Hour); got != want {
			t.Errorf("RetryAfter(%q) = %s, want %s", h, got, want)
		}
	}
}

// FuzzRetryAfter: any header gives a wait between 0 and the limit.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"1", "0", "-5", "1e308", "Tue, 01 Dec 2026 10:00:05 GMT", "soon", "99999999999999999999"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, h string) {
		if d := RetryAfter(h, now, time.Minute); d < 0 || d > time.Minute {
			t.Fatalf("%q: %s", h, d)
		}
	})
}
