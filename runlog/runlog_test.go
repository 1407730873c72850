package runlog

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

func lines(t *testing.T, dir string, at time.Time) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(Path(dir, at))
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// Requests are logged with method, path, status and request id; bodies only when verbose, redacted,
// and never those of a token exchange. The caller still reads the whole response.
func TestTransport(t *testing.T) {
	big := strings.Repeat("x", maxBody+100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("MS-RequestId", "resp-id")
		switch r.URL.Path {
		case "/tenant/oauth2/v2.0/token":
			_, _ = io.WriteString(w, `{"access_token":"tok-very-secret"}`)
		case "/big":
			_, _ = io.WriteString(w, big)
		default:
			_, _ = io.WriteString(w, `{"echo":"hunter2-password"}`)
		}
	}))
	defer srv.Close()
	now := time.Date(2026, 12, 1, 23, 59, 0, 0, time.UTC)
	for _, verbose := range []bool{false, true} {
		dir := t.TempDir()
		l := Open(dir, "run-1", "apply", Options{Verbose: verbose, Now: func() time.Time { return now },
			Redact:  func(s string) string { return strings.ReplaceAll(s, "hunter2-password", "(sensitive value)") },
			OnError: func(err error) { t.Fatal(err) }})
		c := &http.Client{Transport: l.Transport(nil)}
		for _, p := range []string{"/tenant/oauth2/v2.0/token", "/x?q=1", "/big"} {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+p, strings.NewReader(`{"secret":"hunter2-password"}`))
			req.Header.Set("MS-RequestId", "req-"+p)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if p == "/big" && string(body) != big {
				t.Fatalf("the caller read %d bytes of %d", len(body), len(big))
			}
		}
		_ = l.Close()
		got := lines(t, dir, now)
		if len(got) != 3 {
			t.Fatalf("%d lines, want 3", len(got))
		}
		raw, _ := os.ReadFile(Path(dir, now))
		for _, secret := range []string{"hunter2-password", "tok-very-secret"} {
			if strings.Contains(string(raw), secret) {
				t.Errorf("verbose=%v: %q is in the log:\n%s", verbose, secret, raw)
			}
		}
		for _, g := range got {
			if g["run_id"] != "run-1" || g["kind"] != "request" || g["method"] != "POST" || g["status"] != float64(200) {
				t.Errorf("line %v", g)
			}
			if _, has := g["request_body"]; has != verbose {
				t.Errorf("verbose=%v: request_body present=%v", verbose, has)
			}
		}
		if got[0]["request_id"] != "req-/tenant/oauth2/v2.0/token" || got[0]["path"] != "/tenant/oauth2/v2.0/token" {
			t.Errorf("first line %v", got[0])
		}
		if verbose && got[0]["response_body"] != "(credentials exchange: not logged)" {
			t.Errorf("token answer logged: %v", got[0]["response_body"])
		}
	}
}

// A nil logger logs nothing and passes requests through.
func TestNilLogger(t *testing.T) {
	var l *Logger
	l.Log("x", nil)
	if l.Transport(http.DefaultTransport) != http.DefaultTransport || l.Close() != nil {
		t.Fatal("nil logger is not a no-op")
	}
}

// Nothing is created until a line is logged; a directory that cannot be made is reported once.
func TestLazyAndFailsOnce(t *testing.T) {
	dir := t.TempDir() + "/logs"
	l := Open(dir, "r", "plan", Options{})
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("Open created %s", dir)
	}
	_ = l.Close()
	blocker := t.TempDir() + "/file"
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var errs []error
	l = Open(blocker+"/logs", "r", "plan", Options{OnError: func(err error) { errs = append(errs, err) }})
	l.Log("a", nil)
	l.Log("b", nil)
	if len(errs) != 1 {
		t.Fatalf("OnError called %d times, want once: %v", len(errs), errs)
	}
}
