package partnercenter

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
)

// DurationSchedule is the behaviour.durations key that stands in for the wait until a schedule's
// date (or renewal) in a sandbox: when set, a schedule turns into its migration that long after it
// was created; when not, on its target date (or the legacy subscription's commitment end date).
const DurationSchedule = "partnercenter.schedule"

// simSchedule is one migration schedule of the simulator.
type simSchedule struct {
	s        MigrationSchedule
	customer *simCustomer
	due      time.Time
}

// scheduleRoutes registers the schedule operations on mux.
func (s *Simulator) scheduleRoutes(mux *http.ServeMux) {
	mux.Handle("POST /v1/customers/{c}/migrations/newcommerce/schedules", s.route(OpCreateSchedule, s.createSchedule))
	mux.Handle("POST /v1/customers/{c}/migrations/newcommerce/schedules/{id}/cancel", s.route(OpCancelSchedule, s.cancelSchedule))
	mux.Handle("GET /v1/migrations/newcommerce/schedules", s.route(OpListSchedules, s.listSchedules))
}

// scheduleRequest is the migration request a schedule stands for.
func scheduleRequest(sch MigrationSchedule) simMigrationRequest {
	req := simMigrationRequest{
		CurrentSubscriptionID: sch.CurrentSubscriptionID, Quantity: sch.Quantity, TermDuration: sch.TermDuration,
		BillingCycle: sch.BillingCycle, PurchaseFullTerm: sch.PurchaseFullTerm, CustomTermEndDate: sch.CustomTermEndDate,
		ExternalReferenceID: sch.ExternalReferenceID,
	}
	for _, a := range sch.AddOnMigrationSchedules {
		req.AddOnMigrations = append(req.AddOnMigrations, simMigrationRequest{CurrentSubscriptionID: a.CurrentSubscriptionID,
			Quantity: a.Quantity, TermDuration: a.TermDuration, BillingCycle: a.BillingCycle, PurchaseFullTerm: a.PurchaseFullTerm})
	}
	return req
}

func (s *Simulator) createSchedule(call *simCall) simReply {
	var sch MigrationSchedule
	if err := json.Unmarshal(call.body, &sch); err != nil || strings.TrimSpace(sch.CurrentSubscriptionID) == "" {
		return errorReply(http.StatusBadRequest, errCodeBadRequest, "InvalidRequestBody", "The request body is not a valid migration schedule (currentSubscriptionId is required).")
	}
	onRenewal := sch.MigrateOnRenewal != nil && *sch.MigrateOnRenewal
	if onRenewal == (sch.TargetDate != nil) {
		return errorReply(http.StatusBadRequest, errCodeBadRequest, "InvalidRequestBody", "Exactly one of targetDate and migrateOnRenewal = true is required.")
	}
	return s.withCustomer(call, func(c *simCustomer) simReply {
		now := s.env.Now()
		base := c.sub(sch.CurrentSubscriptionID)
		if base == nil {
			return subscriptionNotFound(sch.CurrentSubscriptionID)
		}
		if sch.TargetDate != nil && !dateOnly(*sch.TargetDate).After(dateOnly(now)) {
			return errorReply(http.StatusBadRequest, errCodeBadRequest, "InvalidTargetDate", "The target date %s must be after today.", sch.TargetDate.Format(time.DateOnly))
		}
		if onRenewal && base.CommitmentEndDate == nil {
			return errorReply(http.StatusBadRequest, errCodeBadRequest, "InvalidRequestBody", "Subscription %s has no commitment end date to migrate on.", base.ID)
		}
		for _, o := range s.schedules {
			if o.customer == c && o.s.Pending() && strings.EqualFold(o.s.CurrentSubscriptionID, base.ID) {
				return errorReply(http.StatusConflict, errCodeConflict, "ScheduleExists", "Subscription %s already has migration schedule %s.", base.ID, o.s.ID)
			}
		}
		plan, res, inProgress, reqErr := s.check(c, scheduleRequest(sch))
		switch {
		case reqErr != nil:
			return errorReply(http.StatusBadRequest, errCodeBadRequest, "InvalidRequest", "%v", reqErr)
		case res == nil:
			return subscriptionNotFound(sch.CurrentSubscriptionID)
		case inProgress:
			return errorReply(http.StatusConflict, errCodeConflict, "MigrationInProgress", "%s", strings.Join(res.reasons(), " "))
		case plan == nil:
			return errorReply(http.StatusBadRequest, errCodeIneligible, "NotEligible", "The subscription is not eligible for migration to New Commerce. %s", strings.Join(res.reasons(), " "))
		}
		sch.ID = uuid.NewString()
		sch.Status = ScheduleCadenced
		sch.CustomerTenantID = c.id
		sch.CatalogItemID = plan.item.catalogItemID
		sch.SubscriptionEndDate = base.CommitmentEndDate
		sch.CreatedTime, sch.LastModifiedTime = timePtr(now), timePtr(now)
		ss := &simSchedule{s: sch, customer: c}
		switch {
		case s.scheduleDelaySet():
			ss.due = now.Add(s.env.Duration(DurationSchedule, 0))
		case onRenewal:
			ss.due = *base.CommitmentEndDate
		default:
			ss.due = dateOnly(*sch.TargetDate)
		}
		s.schedules = append(s.schedules, ss)
		return simReply{status: http.StatusCreated, body: ss.s}
	})
}

func (s *Simulator) scheduleDelaySet() bool {
	_, ok := s.env.Behaviour().Durations[DurationSchedule]
	return ok
}

func (s *Simulator) cancelSchedule(call *simCall) simReply {
	return s.withCustomer(call, func(c *simCustomer) simReply {
		id := call.r.PathValue("id")
		for _, o := range s.schedules {
			if o.customer == c && strings.EqualFold(o.s.ID, id) {
				if !o.s.Pending() && !strings.EqualFold(o.s.Status, ScheduleCanceled) {
					return errorReply(http.StatusConflict, errCodeConflict, "ScheduleNotCancelable", "Migration schedule %s is %s and can no longer be cancelled.", o.s.ID, o.s.Status)
				}
				o.s.Status = ScheduleCanceled
				o.s.LastModifiedTime = timePtr(s.env.Now())
				return simReply{status: http.StatusOK, body: o.s}
			}
		}
		return errorReply(http.StatusNotFound, errCodeNotFound, "ScheduleNotFound", "Migration schedule %s was not found for customer %s.", id, c.id)
	})
}

func (s *Simulator) listSchedules(call *simCall) simReply {
	q := call.r.URL.Query()
	customer, current, ref := q.Get("CustomerTenantId"), q.Get("CurrentSubscriptionId"), q.Get("ExternalReferenceId")
	if customer == "" && current == "" && ref == "" {
		return errorReply(http.StatusBadRequest, errCodeBadRequest, "InvalidQuery", "At least one of CustomerTenantId, CurrentSubscriptionId and ExternalReferenceId is required.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	items := []MigrationSchedule{}
	for _, o := range s.schedules {
		switch {
		case customer != "" && !strings.EqualFold(o.s.CustomerTenantID, customer),
			current != "" && !strings.EqualFold(o.s.CurrentSubscriptionID, current),
			ref != "" && o.s.ExternalReferenceID != ref:
			continue
		}
		items = append(items, o.s)
	}
	return simReply{status: http.StatusOK, body: items}
}

// advanceSchedules turns each schedule whose time has come into its migration (or fails it with
// the eligibility error that prevents it). Callers hold s.mu.
func (s *Simulator) advanceSchedules() {
	now := s.env.Now()
	for _, o := range s.schedules {
		if !o.s.Pending() || now.Before(o.due) {
			continue
		}
		o.s.LastModifiedTime = timePtr(o.due)
		plan, res, _, reqErr := s.check(o.customer, scheduleRequest(o.s))
		if plan == nil {
			code, desc := 0, "the subscription cannot be migrated"
			switch {
			case reqErr != nil:
				desc = reqErr.Error()
			case res != nil && len(res.Errors) > 0:
				code, desc = res.Errors[0].Code, strings.Join(res.reasons(), " ")
			case res != nil:
				desc = strings.Join(res.reasons(), " ")
			}
			o.s.Status, o.s.ErrorCode = ScheduleFailed, &code
			o.s.ErrorDescription = desc
			continue
		}
		m := s.start(o.customer, scheduleRequest(o.s), plan, "")
		o.s.Status = ScheduleCompleted
		o.s.NewCommerceMigrationID = m.m.ID
	}
}

// checkCustomTermEnd applies the custom term end date rule to one item of a request (of the term
// term): codes 11 (in the past, or beyond the new term) and 12 (not aligned with an active New
// Commerce subscription or a month end).
func (s *Simulator) checkCustomTermEnd(c *simCustomer, end *time.Time, term string, res *simEligibility) {
	if end == nil {
		return
	}
	subs := make([]Subscription, len(c.subs))
	for i, sub := range c.subs {
		subs[i] = *sub
	}
	if code, desc := customTermEndProblem(*end, s.env.Now(), term, cotermDates(subs)); code != 0 {
		res.Errors = append(res.Errors, simEligibilityError{Code: code, Description: desc})
		res.IsEligible = false
	}
}
