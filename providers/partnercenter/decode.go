package partnercenter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Decoders of every Partner Center response the client reads. They never panic, accept unknown
// fields (Microsoft adds them) and report the operation and the field that failed.

func decodeSubscriptionList(op string, data []byte) (*SubscriptionList, error) {
	v, ok := fastSubscriptionList(data)
	if !ok {
		v = SubscriptionList{}
		if err := decodeJSON(op, data, &v); err != nil {
			return nil, err
		}
	}
	for i := range v.Items {
		if err := checkSubscription(&v.Items[i]); err != nil {
			return nil, &DecodeError{Operation: op, Field: fmt.Sprintf("items.%d.%s", i, err.field), Err: err}
		}
	}
	if err := checkLinks(v.Links); err != nil {
		return nil, &DecodeError{Operation: op, Field: err.field, Err: err}
	}
	return &v, nil
}

func decodeSubscription(op string, data []byte) (*Subscription, error) {
	var v Subscription
	if err := decodeJSON(op, data, &v); err != nil {
		return nil, err
	}
	if err := checkSubscription(&v); err != nil {
		return nil, &DecodeError{Operation: op, Field: err.field, Err: err}
	}
	return &v, nil
}

func decodeValidationResult(op string, data []byte) (*ValidationResult, error) {
	v, ok := fastValidationResult(data)
	if !ok {
		v = ValidationResult{}
		if err := decodeJSON(op, data, &v); err != nil {
			return nil, err
		}
	}
	if v.IsEligible && len(v.Errors) > 0 {
		return nil, &DecodeError{Operation: op, Field: "errors", Err: errors.New("eligible result carries errors")}
	}
	for i, a := range v.AddOnMigrations {
		if a.IsEligible && len(a.Errors) > 0 {
			return nil, &DecodeError{Operation: op, Field: fmt.Sprintf("addOnMigrations.%d.errors", i), Err: errors.New("eligible result carries errors")}
		}
	}
	return &v, nil
}

func decodeMigration(op string, data []byte) (*Migration, error) {
	var v Migration
	if err := decodeJSON(op, data, &v); err != nil {
		return nil, err
	}
	if err := checkMigration(&v); err != nil {
		return nil, &DecodeError{Operation: op, Field: err.field, Err: err}
	}
	return &v, nil
}

// decodeMigrationList reads an answer of GET /migrations/newcommerce: a bare JSON array, further
// pages announced by the MS-ContinuationToken response header. An object {items, links} (the shape
// of Partner Center's other collections) is accepted too, its next link followed.
func decodeMigrationList(op string, data []byte) ([]Migration, *ResourceLinks, error) {
	trimmed := bytes.TrimSpace(data)
	var items []Migration
	var links *ResourceLinks
	prefix := ""
	if len(trimmed) > 0 && trimmed[0] == '{' {
		prefix = "items."
		var v struct {
			Items []Migration    `json:"items"`
			Links *ResourceLinks `json:"links"`
		}
		if err := decodeJSON(op, data, &v); err != nil {
			return nil, nil, err
		}
		if err := checkLinks(v.Links); err != nil {
			return nil, nil, &DecodeError{Operation: op, Field: err.field, Err: err}
		}
		items, links = v.Items, v.Links
	} else if err := decodeJSON(op, data, &items); err != nil {
		return nil, nil, err
	}
	for i := range items {
		if err := checkMigration(&items[i]); err != nil {
			return nil, nil, &DecodeError{Operation: op, Field: fmt.Sprintf("%s%d.%s", prefix, i, err.field), Err: err}
		}
	}
	return items, links, nil
}

// decodeErrorBody reads Partner Center's error body, {code, description, data, source}, or the
// {statusCode, message} of a 429; ok is false when the body is neither (the caller then falls back
// to the status text).
func decodeErrorBody(data []byte) (body ErrorBody, ok bool) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return ErrorBody{}, false
	}
	// The code is a number as documented; a string is tolerated (and kept when it is one).
	var raw struct {
		Code        json.RawMessage   `json:"code"`
		Description string            `json:"description"`
		Data        []json.RawMessage `json:"data"`
		Source      string            `json:"source"`
		StatusCode  json.RawMessage   `json:"statusCode"`
		Message     string            `json:"message"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return ErrorBody{}, false
	}
	body = ErrorBody{Description: raw.Description, Data: raw.Data, Source: raw.Source}
	if body.Description == "" {
		body.Description = raw.Message
	}
	for _, c := range []json.RawMessage{raw.Code, raw.StatusCode} {
		var n int
		var s string
		switch {
		case body.Code != 0 || len(c) == 0:
		case json.Unmarshal(c, &n) == nil:
			body.Code = n
		case json.Unmarshal(c, &s) == nil:
			if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
				body.Code = n
			} else {
				body.CodeText = s
			}
		}
	}
	if body.Code == 0 && body.Description == "" && body.CodeText == "" {
		return ErrorBody{}, false
	}
	return body, true
}

func decodeJSON(op string, data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return &DecodeError{Operation: op, Err: errors.New("empty body")}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		de := &DecodeError{Operation: op, Err: err}
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			de.Field, de.Offset = te.Field, te.Offset
			de.Err = fmt.Errorf("%s is not a valid %s", te.Value, te.Type)
		case errors.As(err, &se):
			de.Offset = se.Offset
		}
		if de.Field == "" && de.Offset == 0 {
			de.Offset = dec.InputOffset()
		}
		return de
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &DecodeError{Operation: op, Offset: dec.InputOffset(), Err: errors.New("unexpected data after the JSON value")}
	}
	return nil
}

type fieldError struct {
	field string
	msg   string
}

func (e *fieldError) Error() string { return e.msg }

func checkSubscription(s *Subscription) *fieldError {
	if strings.TrimSpace(s.ID) == "" {
		return &fieldError{field: "id", msg: "subscription has no id"}
	}
	if s.Quantity < 0 {
		return &fieldError{field: "quantity", msg: fmt.Sprintf("negative quantity %d", s.Quantity)}
	}
	return nil
}

func checkMigration(m *Migration) *fieldError {
	if strings.TrimSpace(m.ID) == "" {
		return &fieldError{field: "id", msg: "migration has no id"}
	}
	m.Status = canonicalStatus(m.Status)
	return nil
}

// canonicalStatus spells a known migration status as the constants do, whatever its case
// ("processing" → "Processing"); a value Microsoft added is kept as it is.
func canonicalStatus(s string) string {
	for _, known := range []string{MigrationProcessing, MigrationCompleted, MigrationFailed} {
		if strings.EqualFold(strings.TrimSpace(s), known) {
			return known
		}
	}
	return s
}

func checkLinks(l *ResourceLinks) *fieldError {
	if l != nil && l.Next != nil && strings.TrimSpace(l.Next.URI) == "" {
		return &fieldError{field: "links.next.uri", msg: "next link has no uri"}
	}
	return nil
}
