package hclspec

import (
	"fmt"
	"time"

	"github.com/ferry-dev/ferry/model"
	"github.com/zclconf/go-cty/cty"
)

// blockSchedule is the nested block of a subscription that asks for a scheduled migration.
const blockSchedule = "schedule"

// dateLayout is how the language writes calendar dates (custom_term_end_date, schedule.date).
const dateLayout = "2006-01-02"

// dateCheck accepts a real calendar date written YYYY-MM-DD. Whether it lies in the past depends
// on when the plan is made, so the provider checks that at plan time, not validate.
var dateCheck = check{Summary: "Invalid date", Problem: func(s string) string {
	if _, err := time.Parse(dateLayout, s); err != nil || len(s) != len(dateLayout) {
		return fmt.Sprintf("%q is not a calendar date; want YYYY-MM-DD, e.g. 2027-03-31.%s", s, spaceHint(s))
	}
	return ""
}}

// date reads an optional date argument; "" when absent, null or invalid (reported).
func (r *attrReader) date(name string) string {
	s, _, ok := r.str(name, false, dateCheck)
	if !ok {
		return ""
	}
	return s
}

// evalSchedule evaluates a schedule block: exactly one of on_renewal = true or date.
func evalSchedule(r *attrReader, nb *nestedBlock) *model.Schedule {
	sc := &model.Schedule{}
	onRenewal, renewalRng, renewalSet := r.value("on_renewal", cty.Bool)
	if renewalSet {
		sc.OnRenewal = onRenewal.True()
	}
	date, dateRng, dateOK := r.str("date", false, dateCheck)
	sc.Date = date
	switch {
	case sc.OnRenewal && r.attrs["date"] != nil:
		r.problem(dateRng, "Conflicting schedule",
			"A schedule is either on_renewal = true or a date, not both; remove one of them.")
		return nil
	case renewalSet && !sc.OnRenewal && r.attrs["date"] == nil:
		r.problem(renewalRng, "Invalid schedule",
			`on_renewal = false schedules nothing; write schedule { on_renewal = true } or schedule { date = "YYYY-MM-DD" }, or remove the block to migrate at apply.`)
		return nil
	case !sc.OnRenewal && r.attrs["date"] == nil:
		r.problem(nb.DeclRange, "Empty schedule",
			`A schedule block needs on_renewal = true or date = "YYYY-MM-DD".`)
		return nil
	case !sc.OnRenewal && !dateOK:
		return nil // the date's problem is already reported
	}
	return sc
}
