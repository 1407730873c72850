package runlog

import (
	"bytes"
	"encoding/json"
	"testing"
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
