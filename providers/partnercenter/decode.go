package partnercenter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

func decodeMigrationList(op string, data []byte) (*MigrationList, error) {
	var v MigrationList
	if err := decodeJSON(op, data, &v); err != nil {
		return nil, err
	}
	for i := range v.Items {
		if err := checkMigration(&v.Items[i]); err != nil {
			return nil, &DecodeError{Operation: op, Field: fmt.Sprintf("items.%d.%s", i, err.field), Err: err}
		}
	}
	if err := checkLinks(v.Links); err != nil {
		return nil, &DecodeError{Operation: op, Field: err.field, Err: err}
	}
	return &v, nil
}

// decodeErrorBody reads Partner Center's error body; ok is false when the body is not one (the
// caller then falls back to the status text).
func decodeErrorBody(data []byte) (body ErrorBody, ok bool) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return ErrorBody{}, false
	}
	// The code is a number in most answers and a string in some; accept both.
	var raw struct {
		Code        json.RawMessage `json:"code"`
		Description string          `json:"description"`
		ErrorName   string          `json:"errorName"`
		Message     string          `json:"message"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return ErrorBody{}, false
	}
	body = ErrorBody{Description: raw.Description, ErrorName: raw.ErrorName}
	if body.Description == "" {
		body.Description = raw.Message
	}
	var n int
	if err := json.Unmarshal(raw.Code, &n); err == nil {
		body.Code = n
	} else {
		var s string
		if err := json.Unmarshal(raw.Code, &s); err == nil && body.ErrorName == "" {
			body.ErrorName = s
		}
	}
	if body.Code == 0 && body.Description == "" && body.ErrorName == "" {
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
	return nil
}

func checkLinks(l *ResourceLinks) *fieldError {
	if l != nil && l.Next != nil && strings.TrimSpace(l.Next.URI) == "" {
		return &fieldError{field: "links.next.uri", msg: "next link has no uri"}
	}
	return nil
}
