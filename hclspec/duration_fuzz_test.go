package hclspec

import "testing"

// FuzzDurations: the spec's timeouts and ISO 8601 lags are a positive duration or an error, never a
// panic or an overflowed (negative) value.
func FuzzDurations(f *testing.F) {
	for _, s := range []string{"10m", "72h", "3d", "1d12h", "0s", "-1h", "+1h", "100000d", "100001d", "99999d2562047h",
		"PT5M", "PT1H30M", "P1D", "P2W", "PT0.5S", "P1Y", "P1M", "PT", "P", "P99999999999999999999D", "PT1e9S"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := parseTimeout(s); err == nil && d <= 0 {
			t.Fatalf("parseTimeout(%q) = %s", s, d)
		}
		if d, err := parseISODuration(s); err == nil && d <= 0 {
			t.Fatalf("parseISODuration(%q) = %s", s, d)
		}
	})
}
