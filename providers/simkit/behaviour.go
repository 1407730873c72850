package simkit

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Rate-limit modes of Behaviour.RateLimits.
const (
	// RateLimitsDocumented enforces the vendors' documented limits in real time (the default).
	RateLimitsDocumented = "documented"
	// RateLimitsOff disables rate limiting.
	RateLimitsOff = "off"
	// RateLimitsScaled enforces the documented limits with windows divided by the time factor.
	RateLimitsScaled = "scaled"
)

// Migration outcomes a fault can force.
const (
	// OutcomeFail ends the remote work in failure and leaves the source untouched.
	OutcomeFail = "fail"
	// OutcomeFailSuspended ends the remote work in failure after the source was already suspended.
	OutcomeFailSuspended = "fail_suspended"
)

// Behaviour is the "behaviour" section of a sandbox world: how simulated services behave.
type Behaviour struct {
	// Durations maps an operation kind (e.g. "<provider>.migration") to how long that remote work
	// takes in simulated time. Missing kinds use the simulator's default.
	Durations map[string]Duration `json:"durations,omitempty"`
	// RateLimits is "documented" (default), "off" or "scaled".
	RateLimits string `json:"rate_limits,omitempty"`
	// TimeFactor makes simulated time run this many times faster than the wall clock: durations are
	// divided by it, and with RateLimits "scaled" so are the rate-limit windows. 0 or 1: real time.
	TimeFactor float64 `json:"time_factor,omitempty"`
	// Latency is added to every request, in wall time.
	Latency Duration `json:"latency,omitempty"`
	// PageSize is how many items a list response holds before it continues on a next page
	// (0: the simulator's default).
	PageSize int `json:"page_size,omitempty"`
	// QueryLag is how long, in simulated time, an object a create made stays missing from the list
	// and query answers that search for it (Partner Center's migration query, Commerce's order list)
	// — the eventual consistency of the real services. A read by ID sees it at once. 0: no lag.
	QueryLag Duration `json:"query_lag,omitempty"`
	// Faults are injected into matching requests.
	Faults []Fault `json:"faults,omitempty"`
}

// Fault describes an error to inject into the requests of one operation.
//
// With Count > 0 and Every 0 the next Count matching requests are hit; with Every = N every Nth
// matching request is hit (at most Count times when Count > 0); with both 0 every matching request
// is hit. A fault with Outcome set does not change the HTTP answer; it decides how the remote work
// started by the request ends.
type Fault struct {
	// Operation is a stats operation name, e.g. "<provider>.CreateMigration".
	Operation string `json:"operation"`
	// Status is the HTTP status to answer with (429, 500, 503, …). With LostResponse and Status 0 the
	// connection is dropped instead.
	Status int `json:"status,omitempty"`
	// Count limits how many requests are hit (0: no limit).
	Count int `json:"count,omitempty"`
	// Every hits only every Nth matching request (0: each one).
	Every int `json:"every,omitempty"`
	// LostResponse performs the operation, then answers with Status (or drops the connection).
	LostResponse bool `json:"lost_response,omitempty"`
	// Outcome forces how the started remote work ends: "fail" or "fail_suspended".
	Outcome string `json:"outcome,omitempty"`
	// Match restricts the fault to requests about this object (e.g. a subscription or customer ID).
	Match string `json:"match,omitempty"`
	// RetryAfter is sent with a 429 (default 1s).
	RetryAfter Duration `json:"retry_after,omitempty"`
}

// Validate reports the first problem in the behaviour, naming the field.
func (b Behaviour) Validate() error {
	switch b.RateLimits {
	case "", RateLimitsDocumented, RateLimitsOff, RateLimitsScaled:
	default:
		return fmt.Errorf("behaviour.rate_limits: %q is not one of \"documented\", \"off\", \"scaled\"", b.RateLimits)
	}
	if b.TimeFactor < 0 {
		return fmt.Errorf("behaviour.time_factor: %v must not be negative", b.TimeFactor)
	}
	if b.QueryLag < 0 {
		return fmt.Errorf("behaviour.query_lag: %s must not be negative", time.Duration(b.QueryLag))
	}
	if b.PageSize < 0 {
		return fmt.Errorf("behaviour.page_size: %d must not be negative", b.PageSize)
	}
	for i, f := range b.Faults {
		if err := f.Validate(); err != nil {
			return fmt.Errorf("behaviour.faults[%d]: %w", i, err)
		}
	}
	return nil
}

// Validate reports the first problem in the fault.
func (f Fault) Validate() error {
	if f.Operation == "" {
		return errors.New("operation is required: a simulator operation such as \"<provider>.<Operation>\" (GET /_sandbox/stats lists them)")
	}
	if f.Count < 0 || f.Every < 0 {
		return errors.New("count and every must not be negative")
	}
	switch f.Outcome {
	case "":
		if f.Status == 0 && !f.LostResponse {
			return errors.New("set status (e.g. 500), lost_response or outcome")
		}
	case OutcomeFail, OutcomeFailSuspended:
		if f.Status != 0 || f.LostResponse {
			return errors.New("outcome cannot be combined with status or lost_response")
		}
	default:
		return fmt.Errorf("outcome %q is not one of \"fail\", \"fail_suspended\"", f.Outcome)
	}
	if f.Status != 0 && (f.Status < 400 || f.Status > 599 || http.StatusText(f.Status) == "") {
		return fmt.Errorf("status %d is not an HTTP error status", f.Status)
	}
	if f.LostResponse && f.Status == http.StatusTooManyRequests {
		return errors.New("lost_response cannot answer 429: a 429 promises the request was not performed")
	}
	return nil
}

// Factor returns the effective time factor (at least 1).
func (b Behaviour) Factor() float64 {
	if b.TimeFactor <= 1 {
		return 1
	}
	return b.TimeFactor
}

// DurationOf returns the configured simulated duration of kind, or def.
func (b Behaviour) DurationOf(kind string, def time.Duration) time.Duration {
	if d, ok := b.Durations[kind]; ok {
		return time.Duration(d)
	}
	return def
}
