package simkit

import (
	"encoding/json"
	"fmt"
	"time"
)

// Duration is a time.Duration written in JSON as a Go duration string such as "2s" or "72h".
type Duration time.Duration

// MarshalJSON writes the duration as a string, e.g. "1m30s".
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a duration string such as "500ms", "2s" or "72h".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &DurationError{Raw: string(b), Msg: "duration must be a string such as \"2s\" or \"72h\", got " + truncate(string(b), 40)}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return &DurationError{Raw: string(b), Msg: fmt.Sprintf("duration %q: want a value such as \"500ms\", \"2s\" or \"72h\"", s)}
	}
	if v < 0 {
		return &DurationError{Raw: string(b), Msg: fmt.Sprintf("duration %q must not be negative", s)}
	}
	*d = Duration(v)
	return nil
}

// DurationError is a duration that could not be read; Raw is the JSON text, so that a caller can
// point at it in the file.
type DurationError struct {
	Raw string
	Msg string
}

// Error returns the message.
func (e *DurationError) Error() string { return e.Msg }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
