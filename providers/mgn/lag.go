package mgn

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseDuration reads an ISO 8601 duration as MGN writes lagDuration ("PT2M30.5S", "P1DT4H",
// "P2W", "P0Y0M0DT0H5M0S"): years, months, weeks, days, hours, minutes and seconds, each a decimal
// number (a comma or a dot for the fraction), every unit optional but at least one present. The API
// reference gives lagDuration no format (a string of 1 to 64 characters), so every designator ISO
// 8601 allows is read. Years and months have no fixed length: they count as their longest (366 and
// 31 days), so that a lag is never read as shorter than it is. Negative, empty and overflowing values
// are refused.
func ParseDuration(s string) (time.Duration, error) {
	const want = `want an ISO 8601 duration such as "PT5M", "PT2M30.5S" or "P1DT4H"`
	bad := func() (time.Duration, error) { return 0, fmt.Errorf("%q is not an ISO 8601 duration; %s", s, want) }
	if len(s) > 64 || !strings.HasPrefix(s, "P") || s == "P" || strings.HasSuffix(s, "T") {
		return bad()
	}
	rest := s[1:]
	inTime := false
	var total float64
	// Designators in the order they must appear, before and after T.
	dateUnits := []struct {
		c byte
		d float64
	}{{'Y', float64(366 * 24 * time.Hour)}, {'M', float64(31 * 24 * time.Hour)}, {'W', float64(7 * 24 * time.Hour)}, {'D', float64(24 * time.Hour)}}
	timeUnits := []struct {
		c byte
		d float64
	}{{'H', float64(time.Hour)}, {'M', float64(time.Minute)}, {'S', float64(time.Second)}}
	next := 0
	for rest != "" {
		if rest[0] == 'T' {
			if inTime {
				return bad()
			}
			inTime, next, rest = true, 0, rest[1:]
			if rest == "" {
				return bad()
			}
			continue
		}
		i := strings.IndexFunc(rest, func(r rune) bool { return (r < '0' || r > '9') && r != '.' && r != ',' })
		if i <= 0 {
			return bad()
		}
		num, unit := strings.Replace(rest[:i], ",", ".", 1), rest[i]
		rest = rest[i+1:]
		units := dateUnits
		if inTime {
			units = timeUnits
		}
		found := false
		for next < len(units) {
			u := units[next]
			next++
			if u.c == unit {
				found = true
				n, err := strconv.ParseFloat(num, 64)
				if err != nil || n < 0 {
					return bad()
				}
				total += n * u.d
				break
			}
		}
		if !found {
			return bad()
		}
	}
	if total >= math.MaxInt64 {
		return 0, fmt.Errorf("%q is too long", s)
	}
	return time.Duration(total), nil
}
