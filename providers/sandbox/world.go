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
	"syscall"

	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/providers/simkit"
)

// World is a sandbox world file: one section per provider of the table, with the APIs' own field
// names, and the behaviour of the simulated services.
type World struct {
	// Sections holds each provider's section as written, by provider name.
	Sections map[string]json.RawMessage
	// Behaviour sets durations, rate limits, time factor, latency and faults.
	Behaviour simkit.Behaviour
	// offsets is where each section starts in the file, to place errors inside it.
	offsets map[string]int64
	// name and data are the file the world was read from, for error positions.
	name string
	data []byte
}

// behaviourKey is the world file's behaviour section.
const behaviourKey = "behaviour"

// MarshalJSON writes the world-file format: the sections by provider name, then behaviour.
func (w World) MarshalJSON() ([]byte, error) {
	out := make(map[string]any, len(w.Sections)+1)
	for name, raw := range w.Sections {
		out[name] = raw
	}
	out[behaviourKey] = w.Behaviour
	return json.Marshal(out)
}

// LoadWorld reads and checks a world file against the provider table. Errors name the file, and
// the line and column where the JSON can be placed; unknown fields are rejected.
//
// Only a regular file of at most MaxWorldBytes is read: /dev/zero would grow memory without end, a
// FIFO would block for ever (opened without waiting for a writer, then refused).
func LoadWorld(path string, table providers.Table) (*World, error) {
	data, err := readWorldFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading world file: %w", err)
	}
	return DecodeWorld(path, data, table)
}

// MaxWorldBytes is the largest world file LoadWorld reads (1 GiB: a world of a million
// subscriptions is well under it).
const MaxWorldBytes = 1 << 30

// readWorldFile reads path when it is a regular file of at most MaxWorldBytes.
func readWorldFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		kind := "not a file"
		switch m := fi.Mode(); {
		case m.IsDir():
			kind = "a directory"
		case m&os.ModeNamedPipe != 0:
			kind = "a named pipe"
		case m&os.ModeDevice != 0:
			kind = "a device"
		}
		return nil, fmt.Errorf("%s is not a regular file (%s)", path, kind)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxWorldBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxWorldBytes {
		return nil, fmt.Errorf("%s is larger than the limit of %d bytes of a world file", path, MaxWorldBytes)
	}
	return data, nil
}

// DecodeWorld decodes and checks a world from data; name is used in error messages. Every section
// must name a provider of the table; each simulator decodes and checks its own section.
func DecodeWorld(name string, data []byte, table providers.Table) (*World, error) {
	w := &World{Sections: map[string]json.RawMessage{}, offsets: map[string]int64{}, name: name, data: data}
	// Syntax first, over the whole file, so that its errors carry offsets in the file.
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, locateError(name, data, 0, io.EOF)
	}
	var whole any
	if err := json.Unmarshal(data, &whole); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) && se.Offset >= int64(len(data)) {
			return nil, locateError(name, data, 0, io.ErrUnexpectedEOF)
		}
		if errors.As(err, &se) {
			return nil, locateError(name, data, 0, err)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := expectDelim(dec, '{'); err != nil {
		return nil, delimError(name, data, dec, err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, locateError(name, data, 0, err)
		}
		key, _ := tok.(string)
		keyAt := dec.InputOffset()
		start := valueStart(data, keyAt)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, locateError(name, data, start, err)
		}
		switch {
		case key == behaviourKey:
			bdec := json.NewDecoder(bytes.NewReader(raw))
			bdec.DisallowUnknownFields()
			if err := bdec.Decode(&w.Behaviour); err != nil {
				return nil, locateError(name, data, start, err)
			}
		case table.Lookup(key) != nil:
			if _, dup := w.Sections[key]; dup {
				return nil, fmt.Errorf("%s:%s: the %q section appears twice", name, position(data, start), key)
			}
			w.Sections[key], w.offsets[key] = raw, start
		default:
			return nil, fmt.Errorf("%s:%s: unknown section %q; a world has one section per provider (%s) and %q (see docs/sandbox.md)",
				name, position(data, keyAt-int64(len(key))-2), key, strings.Join(table.Names(), ", "), behaviourKey)
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, delimError(name, data, dec, err)
	}
	if tok, err := dec.Token(); !errors.Is(err, io.EOF) {
		off := dec.InputOffset()
		if err == nil {
			return nil, fmt.Errorf("%s:%s: unexpected %v after the world object", name, position(data, off), tok)
		}
		return nil, fmt.Errorf("%s:%s: unexpected data after the world object", name, position(data, off))
	}
	if err := w.Validate(table); err != nil {
		return nil, err
	}
	return w, nil
}

// valueStart returns the offset of the value that follows the object key ending at keyEnd: past
// white space, the colon, and white space.
func valueStart(data []byte, keyEnd int64) int64 {
	i := keyEnd
	for i < int64(len(data)) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r' || data[i] == ':') {
		i++
	}
	return i
}

// delimError places an error about the world object's braces.
func delimError(name string, data []byte, dec *json.Decoder, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return locateError(name, data, 0, err)
	}
	return fmt.Errorf("%s:%s: %w", name, position(data, dec.InputOffset()), err)
}

// expectDelim reads the next token and requires it to be d.
func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != d {
		return fmt.Errorf("want %q, found %v: the world file must hold one JSON object", string(d), tok)
	}
	return nil
}

// Validate checks the behaviour against the table, and each section by building its simulator.
func (w *World) Validate(table providers.Table) error {
	if err := w.Behaviour.Validate(); err != nil {
		return w.errorf(err)
	}
	known := table.Durations()
	for kind := range w.Behaviour.Durations {
		if !slices.Contains(known, kind) {
			return w.errorf(fmt.Errorf("behaviour.durations: %q is not a duration the sandbox knows; known: %s", kind, strings.Join(known, ", ")))
		}
	}
	if err := checkFaultOperations("behaviour.faults", w.Behaviour.Faults, table); err != nil {
		return w.errorf(err)
	}
	for _, e := range table {
		raw, ok := w.Sections[e.Name]
		if !ok || e.Simulator == nil {
			continue
		}
		if _, err := e.Simulator(raw, simkit.NewEnv(simkit.Behaviour{})); err != nil {
			if w.data != nil {
				return locateError(w.name, w.data, w.offsets[e.Name], err)
			}
			return err
		}
	}
	return nil
}

// errorf prefixes err with the world file's name, when it came from one.
func (w *World) errorf(err error) error {
	if w.name == "" {
		return err
	}
	return fmt.Errorf("%s: %w", w.name, err)
}

var unknownFieldRE = regexp.MustCompile(`unknown field "([^"]*)"`)

// locateError turns a decoding error into "file:line:col: message"; base is the offset in data of
// the JSON the error's own offsets count from.
func locateError(name string, data []byte, base int64, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var de *simkit.DurationError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("%s:%s: invalid JSON: %v", name, position(data, base+se.Offset-1), se)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "the world"
		}
		return fmt.Errorf("%s:%s: %s: a JSON %s cannot be a %s", name, position(data, base+te.Offset), field, te.Value, te.Type)
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
func checkFaultOperations(where string, faults []simkit.Fault, table providers.Table) error {
	known := table.Operations()
	for i, f := range faults {
		if !slices.Contains(known, f.Operation) {
			return fmt.Errorf("%s[%d]: operation %q is not one the sandbox serves; known: %s", where, i, f.Operation, strings.Join(known, ", "))
		}
	}
	return nil
}

// UnmarshalJSON reads the world-file format without checking it against a provider table (see
// DecodeWorld for that): every section other than behaviour is kept as written.
func (w *World) UnmarshalJSON(data []byte) error {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	w.Sections = map[string]json.RawMessage{}
	for name, raw := range all {
		if name == behaviourKey {
			if err := json.Unmarshal(raw, &w.Behaviour); err != nil {
				return fmt.Errorf("behaviour: %w", err)
			}
			continue
		}
		w.Sections[name] = raw
	}
	return nil
}
