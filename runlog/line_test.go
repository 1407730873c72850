package runlog

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"time"
)

// stdLine is how encoding/json writes line: the reference appendLine must match byte for byte.
func stdLine(t testing.TB, line map[string]any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(line); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestAppendLineMatchesEncodingJSON(t *testing.T) {
	for _, line := range []map[string]any{
		{},
		{"kind": "request", "method": "POST", "path": "/v1/customers/a/migrations", "status": 201, "duration_ms": int64(12)},
		{"s": "quote \" backslash \\ tab \t nl \n <html> & é \u2028 \x7f \xff", "ok": true, "n": 1.5, "nil": nil},
		{"nested": map[string]any{"b": 1, "a": []string{"x", "<y>"}}, "é-key": "v"},
	} {
		got, err := appendLine(nil, line)
		if err != nil {
			t.Fatal(err)
		}
		if want := stdLine(t, line); string(got) != want {
			t.Errorf("appendLine:\n got %s\nwant %s", got, want)
		}
	}
}

func FuzzAppendLine(f *testing.F) {
	f.Add("path", "/a/b", "status", 200)
	f.Add("k\"", "\x00\u2028\xff<>", "é", -3)
	f.Fuzz(func(t *testing.T, k1, v1, k2 string, n int) {
		line := map[string]any{k1: v1, k2: n, "fixed": true}
		got, err := appendLine(nil, line)
		if err != nil {
			t.Fatal(err)
		}
		if want := stdLine(t, line); string(got) != want {
			t.Fatalf("appendLine:\n got %q\nwant %q", got, want)
		}
	})
}

// A request line written by logRequest is byte for byte the line Log writes for the same fields.
func TestLogRequestMatchesLog(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 123456789, time.UTC)
	for _, r := range []requestLine{
		{method: "GET", host: "h", path: "/v1/customers/a/subscriptions", status: 200, durationMS: 3},
		{method: "POST", host: "h:1", path: "/p\"é", requestID: "rid", status: 429, durationMS: 0,
			hasRequestBody: true, requestBody: "{\"a\":1}\n", hasResponseBody: true, responseBody: "<x>"},
		{method: "POST", host: "h", path: "/p", hasErr: true, err: "dial tcp: \x00 refused", durationMS: 30000},
	} {
		var viaMap, viaLine bytes.Buffer
		for i, buf := range []*bytes.Buffer{&viaMap, &viaLine} {
			dir := t.TempDir()
			l := Open(dir, "run-1", "plan", Options{Now: func() time.Time { return at }})
			if i == 0 {
				fields := map[string]any{"method": r.method, "host": r.host, "path": r.path, "duration_ms": r.durationMS}
				if r.requestID != "" {
					fields["request_id"] = r.requestID
				}
				if r.hasErr {
					fields["error"] = r.err
				} else {
					fields["status"] = r.status
				}
				if r.hasRequestBody {
					fields["request_body"] = r.requestBody
				}
				if r.hasResponseBody {
					fields["response_body"] = r.responseBody
				}
				l.Log("request", fields)
			} else {
				l.logRequest(&r)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(Path(dir, at))
			if err != nil {
				t.Fatal(err)
			}
			buf.Write(data)
		}
		if viaMap.String() != viaLine.String() {
			t.Errorf("logRequest:\n got %s\nwant %s", viaLine.String(), viaMap.String())
		}
	}
}
