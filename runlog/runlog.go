// Package runlog writes ferry's daily log: logs/ferry-YYYY-MM-DD.log (UTC date), JSON lines appended
// by every command, each line with the invocation's run id. It records every request made (method,
// host, path, status, duration, request id — bodies only when verbose, redacted, and never those of a
// token exchange), every journal record and every event. A nil *Logger logs nothing.
package runlog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FormatVersion is the "format_version" of every log line.
const FormatVersion = "1.0"

// maxBody bounds the part of a body a verbose log line keeps.
const maxBody = 16 << 10

// Logger appends JSON lines to the day's log file. Safe for concurrent use.
type Logger struct {
	mu      sync.Mutex
	dir     string
	runID   string
	command string
	verbose bool
	redact  func(string) string
	now     func() time.Time
	day     string
	f       *os.File
	w       *bufio.Writer // over f
	flushed time.Time     // when w was last written to f
	onError func(error)
	guard   func(path string) error
	failed  bool
}

// Options configure a Logger.
type Options struct {
	// Verbose adds the (redacted) request and response bodies.
	Verbose bool
	// Redact removes secrets from every text written (nil: none).
	Redact func(string) string
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// OnError is told, once, why the log cannot be written (nil: nobody).
	OnError func(error)
	// Guard, when set, is asked before the day's file is opened (with its path): an error stops the
	// log as a failure to write it would (--restrict-files keeps the log inside the spec directory).
	Guard func(path string) error
}

// Open returns a logger writing into dir for the run runID of command. Nothing is created on disk
// until the first line is logged (then dir and the day's file); if that fails, OnError is told once
// and the logger logs nothing more.
func Open(dir, runID, command string, o Options) *Logger {
	l := &Logger{dir: dir, runID: runID, command: command, verbose: o.Verbose, redact: o.Redact, now: o.Now, onError: o.OnError, guard: o.Guard}
	if l.redact == nil {
		l.redact = func(s string) string { return s }
	}
	if l.now == nil {
		l.now = time.Now
	}
	return l
}

// Path is the file of the day of t.
func Path(dir string, t time.Time) string {
	return filepath.Join(dir, "ferry-"+t.UTC().Format("2006-01-02")+".log")
}

func (l *Logger) rotateLocked(t time.Time) error {
	if l.failed {
		return errors.New("log failed")
	}
	day := t.Format("2006-01-02")
	if day == l.day && l.f != nil {
		return nil
	}
	if l.guard != nil {
		if err := l.guard(Path(l.dir, t)); err != nil {
			return l.failLocked(err)
		}
	}
	if err := os.MkdirAll(l.dir, 0o755); err != nil {
		return l.failLocked(fmt.Errorf("log directory: %w", err))
	}
	f, err := os.OpenFile(Path(l.dir, t), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return l.failLocked(fmt.Errorf("open log: %w", err))
	}
	if l.f != nil {
		_ = l.w.Flush()
		_ = l.f.Close()
	}
	l.f, l.day = f, day
	l.w = bufio.NewWriterSize(f, flushBytes)
	return nil
}

// failLocked stops the logger and tells OnError why, once.
func (l *Logger) failLocked(err error) error {
	l.failed = true
	if l.onError != nil {
		l.onError(err)
	}
	return err
}

// Verbose reports whether bodies are logged.
func (l *Logger) Verbose() bool { return l != nil && l.verbose }

// Log appends one line of kind with fields (redacted). Errors writing the log are ignored: the log
// never stops a command.
func (l *Logger) Log(kind string, fields map[string]any) {
	if l == nil {
		return
	}
	t := l.now().UTC()
	line := map[string]any{"type": "log", "format_version": FormatVersion, "time": t.Format(time.RFC3339Nano),
		"run_id": l.runID, "command": l.command, "kind": kind}
	for k, v := range fields {
		if _, taken := line[k]; !taken {
			line[k] = v
		}
	}
	b, err := appendLine(make([]byte, 0, 256), line)
	if err != nil {
		return
	}
	l.write(t, kind, l.redact(string(b)))
}

// write appends the line out, logged at t, to the day's file.
func (l *Logger) write(t time.Time, kind, out string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rotateLocked(t) != nil {
		return
	}
	_, _ = l.w.WriteString(out)
	// Request lines, a plan's many, are written in blocks; every other line, and a block at the
	// latest a second after its first line, goes to the file at once. Close writes the rest.
	if kind != "request" || l.w.Buffered() >= flushBytes/2 || t.Sub(l.flushed) >= time.Second {
		_ = l.w.Flush()
		l.flushed = t
	}
}

// flushBytes is the size of the block in which request lines are written.
const flushBytes = 64 << 10

// appendLine appends line as one JSON object and a newline, exactly as a json.Encoder without HTML
// escaping writes a map (keys sorted), but without reflection for the plain strings and numbers a
// log line is made of: a plan of 100 000 subscriptions logs 120 000 requests.
func appendLine(b []byte, line map[string]any) ([]byte, error) {
	keys := make([]string, 0, len(line))
	for k := range line {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		switch v := line[k].(type) {
		case string:
			b = appendString(b, v)
		case int:
			b = strconv.AppendInt(b, int64(v), 10)
		case int64:
			b = strconv.AppendInt(b, v, 10)
		case bool:
			b = strconv.AppendBool(b, v)
		default:
			var e bytes.Buffer
			enc := json.NewEncoder(&e)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(v); err != nil {
				return nil, err
			}
			b = append(b, bytes.TrimSuffix(e.Bytes(), []byte("\n"))...)
		}
	}
	return append(b, '}', '\n'), nil
}

// appendString appends s as a JSON string: as is when it holds only printable ASCII other than '"'
// and '\\', else as encoding/json writes it.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
			var e bytes.Buffer
			enc := json.NewEncoder(&e)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(s)
			return append(b, bytes.TrimSuffix(e.Bytes(), []byte("\n"))...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// Close closes the log file.
func (l *Logger) Close() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.w.Flush()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f, l.w = nil, nil
	return err
}

// Transport wraps next so that every request through it is logged.
func (l *Logger) Transport(next http.RoundTripper) http.RoundTripper {
	if l == nil {
		return next
	}
	if next == nil {
		next = http.DefaultTransport
	}
	return &transport{l: l, next: next}
}

type transport struct {
	l    *Logger
	next http.RoundTripper
}

// Unwrap is the transport the requests are logged around.
func (t *transport) Unwrap() http.RoundTripper { return t.next }

// Rewrap is the same logging around next (a copy of the wrapped transport trusting other roots).
func (t *transport) Rewrap(next http.RoundTripper) http.RoundTripper {
	return &transport{l: t.l, next: next}
}

// requestIDHeaders are the headers that carry a request id, request first, then response.
var requestIDHeaders = []string{"MS-RequestId", "MS-CorrelationId", "X-Request-Id", "X-Amzn-RequestId", "X-Correlation-Id"}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	line := requestLine{method: req.Method, host: req.URL.Host, path: req.URL.Path}
	for _, h := range requestIDHeaders {
		if v := req.Header.Get(h); v != "" {
			line.requestID = v
			break
		}
	}
	secretExchange := tokenExchange(req)
	if t.l.verbose && req.Body != nil && req.GetBody != nil {
		if body, err := req.GetBody(); err == nil {
			line.requestBody, line.hasRequestBody = bodyText(body, secretExchange), true
		}
	}
	resp, err := t.next.RoundTrip(req)
	line.durationMS = time.Since(start).Milliseconds()
	if err != nil {
		line.err, line.hasErr = err.Error(), true
		t.l.logRequest(&line)
		return resp, err
	}
	line.status = resp.StatusCode
	if line.requestID == "" {
		for _, h := range requestIDHeaders {
			if v := resp.Header.Get(h); v != "" {
				line.requestID = v
				break
			}
		}
	}
	if t.l.verbose && resp.Body != nil {
		orig := resp.Body
		data, rerr := io.ReadAll(io.LimitReader(orig, maxBody+1))
		// The caller still reads the whole body: what was read for the log, then the rest.
		resp.Body = readCloser{Reader: io.MultiReader(bytes.NewReader(data), orig), Closer: orig}
		if rerr == nil {
			line.responseBody, line.hasResponseBody = clip(data, secretExchange || bytes.Contains(data, []byte(`"access_token"`))), true
		}
	}
	t.l.logRequest(&line)
	return resp, nil
}

// requestLine is the fields of a "request" line: a plan of 100 000 subscriptions logs 120 000 of
// them, so they are written without a map (see logRequest).
type requestLine struct {
	method, host, path string
	requestID          string // "": none
	durationMS         int64
	status             int // 0: no answer (err is set)
	err                string
	hasErr             bool
	requestBody        string
	hasRequestBody     bool
	responseBody       string
	hasResponseBody    bool
}

// logRequest writes r exactly as Log("request", fields) writes the same fields (keys sorted), for a
// fraction of the cost.
func (l *Logger) logRequest(r *requestLine) {
	t := l.now().UTC()
	b := make([]byte, 0, 320)
	b = append(b, `{"command":`...)
	b = appendString(b, l.command)
	b = append(b, `,"duration_ms":`...)
	b = strconv.AppendInt(b, r.durationMS, 10)
	if r.hasErr {
		b = append(b, `,"error":`...)
		b = appendString(b, r.err)
	}
	b = append(b, `,"format_version":`...)
	b = appendString(b, FormatVersion)
	b = append(b, `,"host":`...)
	b = appendString(b, r.host)
	b = append(b, `,"kind":"request","method":`...)
	b = appendString(b, r.method)
	b = append(b, `,"path":`...)
	b = appendString(b, r.path)
	if r.hasRequestBody {
		b = append(b, `,"request_body":`...)
		b = appendString(b, r.requestBody)
	}
	if r.requestID != "" {
		b = append(b, `,"request_id":`...)
		b = appendString(b, r.requestID)
	}
	if r.hasResponseBody {
		b = append(b, `,"response_body":`...)
		b = appendString(b, r.responseBody)
	}
	b = append(b, `,"run_id":`...)
	b = appendString(b, l.runID)
	if !r.hasErr {
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(r.status), 10)
	}
	b = append(b, `,"time":"`...)
	b = t.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","type":"log"}`+"\n"...)
	l.write(t, "request", l.redact(string(b)))
}

// tokenExchange reports a request to an OAuth token endpoint: neither its body (client secret) nor
// its answer (access token) is ever logged.
func tokenExchange(req *http.Request) bool {
	return strings.HasSuffix(req.URL.Path, "/token") || strings.Contains(req.URL.Path, "/oauth2/")
}

func bodyText(r io.ReadCloser, secret bool) string {
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, maxBody+1))
	if err != nil {
		return ""
	}
	return clip(data, secret)
}

func clip(data []byte, secret bool) string {
	if secret {
		return "(credentials exchange: not logged)"
	}
	if len(data) > maxBody {
		return string(bytes.ToValidUTF8(data[:maxBody], nil)) + "…(cut)"
	}
	return string(bytes.ToValidUTF8(data, nil))
}

type readCloser struct {
	io.Reader
	io.Closer
}
