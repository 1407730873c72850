package connect

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/model"
)

// FuzzDecodeConfigurations feeds arbitrary answers of GET /products/{p}/configurations to the
// decoder and the matcher: they never panic, and a matched value is one of the rows'.
func FuzzDecodeConfigurations(f *testing.F) {
	for _, name := range []string{"configurations_page1.json", "configurations_page2.json", "parameters_by_name.json", "requests_open.json"} {
		if b, err := readFixture(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`[{"parameter": {"id": "PRM-1", "name": "processor_skip_list"}, "marketplace": {"id": "MP-1"}, "value": null}]`))
	f.Add([]byte(`[{"parameter": null, "marketplace": null, "item": null}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var rows []Configuration
		if json.Unmarshal(data, &rows) != nil {
			return
		}
		l := match(rows, &model.SkipList{Marketplace: "MP-1", Parameter: "processor_skip_list"})
		if !l.Found && l.Value != "" {
			t.Fatalf("a value without a row: %q", l.Value)
		}
		var reqs []Request
		_ = json.Unmarshal(data, &reqs)
		var assets []Asset
		if json.Unmarshal(data, &assets) == nil {
			for _, a := range assets {
				_ = a.Param("customer_id")
			}
		}
	})
}

// FuzzDecodeError feeds arbitrary error bodies (JSON or an HTML page) to decodeError: the message is
// one short line, whatever the body.
func FuzzDecodeError(f *testing.F) {
	for _, name := range []string{"error_validation.json", "error_gateway.html"} {
		if b, err := readFixture(name); err == nil {
			f.Add(400, b)
		}
	}
	f.Add(502, []byte("<html><body>\n\n<h1>502</h1></body></html>"))
	f.Add(429, []byte(`{"error_code": "", "errors": null}`))
	f.Fuzz(func(t *testing.T, status int, data []byte) {
		e := decodeError("GET", "/products/P/configurations", status, data)
		if e.Body != "" && (len([]rune(e.Body)) > 161 || strings.ContainsAny(e.Body, "\n\r")) {
			t.Fatalf("excerpt is not one short line: %q", e.Body)
		}
		_ = e.Error()
	})
}

// FuzzParseContentRange checks that a parsed range is well-formed and the header parsers never panic.
func FuzzParseContentRange(f *testing.F) {
	for _, s := range []string{"items 0-1/3", "items 2-2/3", "items 0-0/0", "items 0-99/*", "items -1-2/3", "bytes 0-1/2", "items 5-1/2", "Tue, 01 Dec 2026 10:00:05 GMT", "7"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if cr, ok := parseContentRange(h); ok && (cr.Last < cr.First || cr.Total < -1) {
			t.Fatalf("%q parsed as %+v", h, cr)
		}
		if d := parseRetryAfter(h, time.Now()); d < 0 || d > time.Hour {
			t.Fatalf("Retry-After %q: %s", h, d)
		}
	})
}
