package partnercenter

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// APIError is a non-2xx answer of Partner Center (after retries).
type APIError struct {
	// Operation is the client operation, e.g. "partnercenter.CreateMigration".
	Operation string
	// StatusCode is the HTTP status.
	StatusCode int
	// Code is the error body's numeric code as text ("" when the body has none).
	Code string
	// Description is the error body's description (or the status text).
	Description string
	// RequestID is the MS-RequestId the request was sent with.
	RequestID string
}

// Error describes the failure with its operation, status and request ID.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: HTTP %d", e.Operation, e.StatusCode)
	if e.Code != "" && e.Code != strconv.Itoa(e.StatusCode) { // "HTTP 500 500" says nothing more
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Description != "" {
		fmt.Fprintf(&b, ": %s", e.Description)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (MS-RequestId %s)", e.RequestID)
	}
	return b.String()
}

// IsNotFound reports whether err is (or wraps) a 404 answer.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsConflict reports whether err is (or wraps) a 409 answer, e.g. a migration already in progress.
func IsConflict(err error) bool { return hasStatus(err, http.StatusConflict) }

func hasStatus(err error, status int) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.StatusCode == status
}

// UnknownOutcomeError means a request that changes something may or may not have been performed:
// the connection failed or the server answered 5xx after the request was sent. It is not retried;
// the caller must reconcile (for a migration: search by externalReferenceId) before sending again.
type UnknownOutcomeError struct {
	// Operation is the client operation, e.g. "partnercenter.CreateMigration".
	Operation string
	// RequestID is the MS-RequestId the request was sent with.
	RequestID string
	// Err is the cause (a transport error or an *APIError).
	Err error
}

// Error says that the outcome is unknown and why.
func (e *UnknownOutcomeError) Error() string {
	return fmt.Sprintf("%s: outcome unknown, the request (MS-RequestId %s) may have been performed; reconcile before sending it again: %v",
		e.Operation, e.RequestID, e.Err)
}

// Unwrap returns the cause.
func (e *UnknownOutcomeError) Unwrap() error { return e.Err }

// IsUnknownOutcome reports whether err is (or wraps) an *UnknownOutcomeError.
func IsUnknownOutcome(err error) bool {
	var ue *UnknownOutcomeError
	return errors.As(err, &ue)
}

// DecodeError is a response body that could not be decoded.
type DecodeError struct {
	// Operation is the client operation, e.g. "partnercenter.ListSubscriptions".
	Operation string
	// Field is the JSON path of the offending field ("items.0.quantity"), when known.
	Field string
	// Offset is the byte offset in the body where decoding failed, when known.
	Offset int64
	// Err is the cause.
	Err error
}

// Error names the operation, the field and the cause.
func (e *DecodeError) Error() string {
	where := ""
	switch {
	case e.Field != "":
		where = fmt.Sprintf(" field %q", e.Field)
	case e.Offset > 0:
		where = fmt.Sprintf(" at byte %d", e.Offset)
	}
	return fmt.Sprintf("%s: decoding response%s: %v", e.Operation, where, e.Err)
}

// Unwrap returns the cause.
func (e *DecodeError) Unwrap() error { return e.Err }
