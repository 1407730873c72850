package partnercenter

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Operations of the migration schedule API (see Operations for the others).
const (
	OpCreateSchedule = "partnercenter.CreateMigrationSchedule"
	OpListSchedules  = "partnercenter.ListMigrationSchedules"
	OpCancelSchedule = "partnercenter.CancelMigrationSchedule"
)

// Schedule statuses. Cadenced and Created (both waiting for their date) are the values of
// Microsoft's documented examples ("Get a new commerce migration schedule" answers "Created");
// the others are ferry's reading of the model (a schedule that has produced its migration, one
// cancelled, one that could not be processed — errorCode and errorDescription then say why).
// Statuses are compared case-insensitively and unknown ones are kept as they are.
const (
	ScheduleCadenced  = "Cadenced"
	ScheduleCreated   = "Created"
	ScheduleCompleted = "Completed"
	ScheduleCanceled  = "Canceled"
	ScheduleFailed    = "Failed"
)

// MigrationSchedule is a New Commerce migration schedule (POST …/migrations/newcommerce/schedules),
// with the field names of Microsoft's NewCommerceMigrationSchedule model.
type MigrationSchedule struct {
	ID                      string              `json:"id,omitempty"`
	CurrentSubscriptionID   string              `json:"currentSubscriptionId"`
	CustomerTenantID        string              `json:"customerTenantId,omitempty"`
	Status                  string              `json:"status,omitempty"`
	CatalogItemID           string              `json:"catalogItemId,omitempty"`
	Quantity                int                 `json:"quantity,omitempty"`
	TermDuration            string              `json:"termDuration,omitempty"`
	BillingCycle            string              `json:"billingCycle,omitempty"`
	PurchaseFullTerm        bool                `json:"purchaseFullTerm"`
	CustomTermEndDate       *time.Time          `json:"customTermEndDate,omitempty"`
	SubscriptionEndDate     *time.Time          `json:"subscriptionEndDate,omitempty"`
	ExternalReferenceID     string              `json:"externalReferenceId,omitempty"`
	TargetDate              *time.Time          `json:"targetDate,omitempty"`
	MigrateOnRenewal        *bool               `json:"migrateOnRenewal,omitempty"`
	CreatedTime             *time.Time          `json:"createdTime,omitempty"`
	LastModifiedTime        *time.Time          `json:"lastModifiedTime,omitempty"`
	NewCommerceMigrationID  string              `json:"newCommerceMigrationId,omitempty"`
	ErrorCode               *int                `json:"errorCode,omitempty"`
	ErrorDescription        string              `json:"errorDescription,omitempty"`
	AddOnMigrationSchedules []MigrationSchedule `json:"addOnMigrationSchedules,omitempty"`
}

// Pending reports whether the schedule is still waiting for its date (or the renewal).
func (s *MigrationSchedule) Pending() bool {
	return strings.EqualFold(s.Status, ScheduleCadenced) || strings.EqualFold(s.Status, ScheduleCreated)
}

// UnmarshalJSON decodes a schedule whose dates may lack a time zone: Microsoft's documented answer
// has "targetDate": "2022-10-30T00:00:00" (read as UTC) next to RFC 3339 times.
func (s *MigrationSchedule) UnmarshalJSON(b []byte) error {
	type plain MigrationSchedule
	aux := struct {
		*plain
		CustomTermEndDate   *scheduleTime `json:"customTermEndDate,omitempty"`
		SubscriptionEndDate *scheduleTime `json:"subscriptionEndDate,omitempty"`
		TargetDate          *scheduleTime `json:"targetDate,omitempty"`
		CreatedTime         *scheduleTime `json:"createdTime,omitempty"`
		LastModifiedTime    *scheduleTime `json:"lastModifiedTime,omitempty"`
	}{plain: (*plain)(s)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	s.CustomTermEndDate = aux.CustomTermEndDate.time()
	s.SubscriptionEndDate = aux.SubscriptionEndDate.time()
	s.TargetDate = aux.TargetDate.time()
	s.CreatedTime = aux.CreatedTime.time()
	s.LastModifiedTime = aux.LastModifiedTime.time()
	return nil
}

// scheduleTime is an RFC 3339 time, or one without a zone (UTC).
type scheduleTime time.Time

func (t *scheduleTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", time.DateOnly} {
		if v, err := time.Parse(layout, s); err == nil {
			*t = scheduleTime(v)
			return nil
		}
	}
	return fmt.Errorf("%q is not a date-time", s)
}

func (t *scheduleTime) time() *time.Time {
	if t == nil {
		return nil
	}
	v := time.Time(*t)
	return &v
}

// When describes the schedule's moment: "on renewal" or "on 2027-03-31".
func (s *MigrationSchedule) When() string {
	if s.MigrateOnRenewal != nil && *s.MigrateOnRenewal {
		return "on renewal"
	}
	if s.TargetDate != nil {
		return "on " + s.TargetDate.UTC().Format(time.DateOnly)
	}
	return "at an unknown date"
}

// ScheduleQuery filters GET /migrations/newcommerce/schedules; empty fields are left out.
type ScheduleQuery struct {
	CustomerTenantID      string
	CurrentSubscriptionID string
	ExternalReferenceID   string
}

// CreateSchedule schedules a migration under requestID (sent as MS-RequestId). Like CreateMigration,
// an answer that cannot be read after the request was performed is an *UnknownOutcomeError.
func (c *Client) CreateSchedule(ctx context.Context, customerID string, sch MigrationSchedule, requestID string) (*MigrationSchedule, error) {
	if err := requireIDs(OpCreateSchedule, "customerID", customerID, "currentSubscriptionId", sch.CurrentSubscriptionID, "requestID", requestID); err != nil {
		return nil, err
	}
	if sch.TargetDate == nil && (sch.MigrateOnRenewal == nil || !*sch.MigrateOnRenewal) {
		return nil, fmt.Errorf("%s: targetDate or migrateOnRenewal is required", OpCreateSchedule)
	}
	payload, err := json.Marshal(sch)
	if err != nil {
		return nil, fmt.Errorf("%s: encoding request: %w", OpCreateSchedule, err)
	}
	body, err := c.do(ctx, &request{op: OpCreateSchedule, method: http.MethodPost,
		url:  c.endpoint("customers", customerID, "migrations", "newcommerce", "schedules"),
		body: payload, requestID: requestID, mutating: true, limiter: c.lim.create})
	if err != nil {
		return nil, err
	}
	out, err := decodeSchedule(OpCreateSchedule, body)
	if err != nil {
		return nil, &UnknownOutcomeError{Operation: OpCreateSchedule, RequestID: requestID, Err: err}
	}
	return out, nil
}

// CancelSchedule cancels a schedule (POST …/schedules/{id}/cancel) and returns it as it now is.
func (c *Client) CancelSchedule(ctx context.Context, customerID, scheduleID, requestID string) (*MigrationSchedule, error) {
	if err := requireIDs(OpCancelSchedule, "customerID", customerID, "scheduleID", scheduleID, "requestID", requestID); err != nil {
		return nil, err
	}
	body, err := c.do(ctx, &request{op: OpCancelSchedule, method: http.MethodPost,
		url:  c.endpoint("customers", customerID, "migrations", "newcommerce", "schedules", scheduleID, "cancel"),
		body: []byte("{}"), requestID: requestID, mutating: true})
	if err != nil {
		return nil, err
	}
	out, err := decodeSchedule(OpCancelSchedule, body)
	if err != nil {
		return nil, &UnknownOutcomeError{Operation: OpCancelSchedule, RequestID: requestID, Err: err}
	}
	return out, nil
}

// ListSchedules searches schedules by customer, current subscription and external reference ID
// (at least one), following MS-ContinuationToken pages when the answer has them.
func (c *Client) ListSchedules(ctx context.Context, q ScheduleQuery) ([]MigrationSchedule, error) {
	v, err := queryFilters(OpListSchedules, q.CustomerTenantID, q.CurrentSubscriptionID, q.ExternalReferenceID)
	if err != nil {
		return nil, err
	}
	req := &request{op: OpListSchedules, method: http.MethodGet, url: c.endpoint("migrations", "newcommerce", "schedules") + "?" + v.Encode()}
	return collect(ctx, c, req, func(body []byte) ([]MigrationSchedule, *ResourceLinks, error) {
		return decodeScheduleList(OpListSchedules, body)
	})
}

func decodeSchedule(op string, data []byte) (*MigrationSchedule, error) {
	var v MigrationSchedule
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, &DecodeError{Operation: op, Err: err}
	}
	if v.ID == "" {
		return nil, &DecodeError{Operation: op, Field: "id", Err: fmt.Errorf("the schedule has no id")}
	}
	return &v, nil
}

// decodeScheduleList reads a bare JSON array of schedules, or a {items, links} collection.
func decodeScheduleList(op string, data []byte) ([]MigrationSchedule, *ResourceLinks, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var v []MigrationSchedule
		if err := json.Unmarshal(trimmed, &v); err != nil {
			return nil, nil, &DecodeError{Operation: op, Err: err}
		}
		return v, nil, nil
	}
	var v struct {
		Items []MigrationSchedule `json:"items"`
		Links *ResourceLinks      `json:"links,omitempty"`
	}
	if err := json.Unmarshal(trimmed, &v); err != nil {
		return nil, nil, &DecodeError{Operation: op, Err: err}
	}
	return v.Items, v.Links, nil
}
