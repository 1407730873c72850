package partnercenter

import (
	"fmt"
	"strings"
	"time"
)

// Eligibility codes of a custom term end date (NewCommerceEligibilityErrorCode).
const (
	eligInvalidCustomTermEndDate = EligibilityInvalidCustomTermEndDate
	eligCustomTermEndDateAlign   = EligibilityCustomTermEndDateNotAligned
)

// customTermEndProblem applies Microsoft's rule for a custom term end date: not in the past, within
// the new term (term, e.g. P1M, starting today: a P1M term cannot be co-termed more than a month
// out; empty: not checked), and either the end date of one of the customer's active New Commerce
// subscriptions (coterm) or the last day of a calendar month. code is 0 when end is acceptable.
func customTermEndProblem(end, today time.Time, term string, coterm []time.Time) (code int, desc string) {
	d := dateOnly(end)
	if d.Before(dateOnly(today)) {
		return eligInvalidCustomTermEndDate, fmt.Sprintf("The custom term end date %s is in the past.", d.Format(time.DateOnly))
	}
	if term != "" {
		if last := addTerm(dateOnly(today), strings.ToUpper(term)); d.After(last) {
			return eligInvalidCustomTermEndDate, fmt.Sprintf("The custom term end date %s is beyond the end of a %s term starting today (%s).",
				d.Format(time.DateOnly), term, last.Format(time.DateOnly))
		}
	}
	if d.AddDate(0, 0, 1).Day() == 1 {
		return 0, ""
	}
	for _, t := range coterm {
		if dateOnly(t).Equal(d) {
			return 0, ""
		}
	}
	return eligCustomTermEndDateAlign, fmt.Sprintf("The custom term end date %s must align with the end date of an existing active New Commerce subscription of the customer or with the end of a calendar month.", d.Format(time.DateOnly))
}

func dateOnly(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// parseDate reads a YYYY-MM-DD date of the spec as midnight UTC.
func parseDate(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// cotermDates are the commitment end dates of the active New Commerce subscriptions in subs.
func cotermDates(subs []Subscription) []time.Time {
	var out []time.Time
	for i := range subs {
		s := &subs[i]
		if isNCEOffer(s.OfferID) && isActive(s.Status) && !s.IsTrial && s.CommitmentEndDate != nil {
			out = append(out, *s.CommitmentEndDate)
		}
	}
	return out
}
