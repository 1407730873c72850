package hclspec

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// parseTimeout parses a Go duration with an optional leading day count: "10m", "72h", "3d", "1d12h".
// The result must be positive.
func parseTimeout(s string) (time.Duration, error) {
	const want = `want a positive duration such as "10m", "72h" or "3d" (units d, h, m, s)`
	rest := s
	var total time.Duration
	if i := strings.IndexByte(rest, 'd'); i >= 0 {
		days, err := strconv.ParseUint(rest[:i], 10, 32)
		if err != nil || days > 100000 {
			return 0, fmt.Errorf("%q is not a duration; %s", s, want)
		}
		total = time.Duration(days) * 24 * time.Hour
		rest = rest[i+1:]
	}
	if rest != "" {
		d, err := time.ParseDuration(rest)
		if err != nil || d < 0 || strings.HasPrefix(rest, "+") {
			return 0, fmt.Errorf("%q is not a duration; %s", s, want)
		}
		if total > math.MaxInt64-d {
			return 0, fmt.Errorf("%q is too long", s)
		}
		total += d
	}
	if total <= 0 {
		return 0, fmt.Errorf("%q is not positive; %s (omit it for the provider's default)", s, want)
	}
	return total, nil
}

// isoDurationRE matches the ISO 8601 durations MGN reports: PnW, or PnDTnHnMnS with any parts.
var isoDurationRE = regexp.MustCompile(`^P(?:([0-9]+)W|([0-9]+)D)?(?:T(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+(?:\.[0-9]+)?)S)?)?$`)

// parseISODuration parses an ISO 8601 duration such as PT5M, PT1H30M or P1D. Years and months are
// refused (their length varies); the result must be positive.
func parseISODuration(s string) (time.Duration, error) {
	const want = `want an ISO 8601 duration such as "PT5M", "PT1H30M" or "P1D"`
	m := isoDurationRE.FindStringSubmatch(s)
	if m == nil || s == "P" || strings.HasSuffix(s, "T") {
		if strings.ContainsAny(strings.SplitN(s, "T", 2)[0], "YM") && strings.HasPrefix(s, "P") {
			return 0, fmt.Errorf("%q uses years or months, whose length varies; %s", s, want)
		}
		return 0, fmt.Errorf("%q is not an ISO 8601 duration; %s", s, want)
	}
	units := []time.Duration{7 * 24 * time.Hour, 24 * time.Hour, time.Hour, time.Minute}
	var total float64
	for i, u := range units {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.ParseFloat(m[i+1], 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not an ISO 8601 duration; %s", s, want)
		}
		total += n * float64(u)
	}
	if m[5] != "" {
		n, err := strconv.ParseFloat(m[5], 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not an ISO 8601 duration; %s", s, want)
		}
		total += n * float64(time.Second)
	}
	if total >= math.MaxInt64 {
		return 0, fmt.Errorf("%q is too long", s)
	}
	if total <= 0 {
		return 0, fmt.Errorf("%q is not positive; omit max_lag for no limit", s)
	}
	return time.Duration(total), nil
}
