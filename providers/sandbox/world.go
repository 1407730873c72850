package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/ferry-dev/ferry/providers/partnercenter"
	"github.com/ferry-dev/ferry/providers/simkit"
)

// World is a sandbox world file: one section per provider, with the APIs' own field names, and
// the behaviour of the simulated services.
type World struct {
	// PartnerCenter is the Microsoft Partner Center section.
	PartnerCenter *partnercenter.SimWorld `json:"partnercenter,omitempty"`
	// Commerce is the CloudBlue Commerce section, kept as written until its simulator exists.
	Commerce json.RawMessage `json:"commerce,omitempty"`
	// Connect is the CloudBlue Connect section, kept as written until its simulator exists.
	Connect json.RawMessage `json:"connect,omitempty"`
	// MGN is the AWS Application Migration Service section, kept as written until its simulator exists.
	MGN json.RawMessage `json:"mgn,omitempty"`
	// Behaviour sets durations, rate limits, time factor, latency and faults.
	Behaviour simkit.Behaviour `json:"behaviour"`
}

// LoadWorld reads and checks a world file. Errors name the file, and the line and column where
// the JSON can be placed; unknown fields are rejected.
func LoadWorld(path string) (*World, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading world file: %w", err)
	}
	return DecodeWorld(path, data)
}

// DecodeWorld decodes and checks a world from data; name is used in error messages.
func DecodeWorld(name string, data []byte) (*World, error) {
	var w World
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return nil, locateError(name, data, err)
	}
	if tok, err := dec.Token(); !errors.Is(err, io.EOF) {
		off := dec.InputOffset()
		if err == nil {
			return nil, fmt.Errorf("%s:%s: unexpected %v after the world object", name, position(data, off), tok)
		}
		return nil, fmt.Errorf("%s:%s: unexpected data after the world object", name, position(data, off))
	}
	if err := w.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &w, nil
}

// Validate checks the sections the sandbox simulates.
func (w *World) Validate() error {
	if err := w.Behaviour.Validate(); err != nil {
		return err
	}
	for kind := range w.Behaviour.Durations {
		if kind != partnercenter.DurationMigration {
			return fmt.Errorf("behaviour.durations: %q is not a duration the sandbox knows; known: %q", kind, partnercenter.DurationMigration)
		}
	}
	if err := checkFaultOperations("behaviour.faults", w.Behaviour.Faults); err != nil {
		return err
	}
	if w.PartnerCenter != nil {
		if err := w.PartnerCenter.Validate(); err != nil {
			return err
		}
	}
	return nil
}

var unknownFieldRE = regexp.MustCompile(`unknown field "([^"]*)"`)

// locateError turns a decoding error into "file:line:col: message".
func locateError(name string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var de *simkit.DurationError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("%s:%s: invalid JSON: %v", name, position(data, se.Offset-1), se)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "the world"
		}
		return fmt.Errorf("%s:%s: %s: a JSON %s cannot be a %s", name, position(data, te.Offset), field, te.Value, te.Type)
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%s: the world file is empty; it must hold a JSON object", name)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s:%s: invalid JSON: the file ends too early", name, position(data, int64(len(data))))
	case errors.As(err, &de):
		if i := bytes.Index(data, []byte(de.Raw)); i >= 0 {
			return fmt.Errorf("%s:%s: %v", name, position(data, int64(i)), de)
		}
	default:
		if m := unknownFieldRE.FindStringSubmatch(err.Error()); m != nil {
			if i := findKey(data, m[1]); i >= 0 {
				return fmt.Errorf("%s:%s: unknown field %q (check the spelling; see docs/sandbox.md)", name, position(data, int64(i)), m[1])
			}
			return fmt.Errorf("%s: unknown field %q (check the spelling; see docs/sandbox.md)", name, m[1])
		}
	}
	return fmt.Errorf("%s: %w", name, err)
}

// findKey returns the offset of the first object key named key, or -1.
func findKey(data []byte, key string) int {
	quoted, err := json.Marshal(key)
	if err != nil {
		return -1
	}
	re, err := regexp.Compile(regexp.QuoteMeta(string(quoted)) + `\s*:`)
	if err != nil {
		return -1
	}
	loc := re.FindIndex(data)
	if loc == nil {
		return -1
	}
	return loc[0]
}

// position returns "line:col" (1-based, columns in bytes) of a byte offset.
func position(data []byte, off int64) string {
	if off < 0 {
		off = 0
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line, col := 1, 1
	for _, b := range data[:off] {
		if b == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return fmt.Sprintf("%d:%d", line, col)
}

// checkFaultOperations refuses a fault whose operation no simulator has: it would never fire.
func checkFaultOperations(where string, faults []simkit.Fault) error {
	known := partnercenter.Operations()
	for i, f := range faults {
		if !slices.Contains(known, f.Operation) {
			return fmt.Errorf("%s[%d]: operation %q is not one the sandbox serves; known: %s", where, i, f.Operation, strings.Join(known, ", "))
		}
	}
	return nil
}
