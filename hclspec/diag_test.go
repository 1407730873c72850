package hclspec

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// Reusable spec fragments. G* are valid GUIDs.
const (
	gCust = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
	g1    = "11111111-1111-4111-8111-111111111111"
	g2    = "22222222-2222-4222-8222-222222222222"
)

// sub returns a valid subscription block named name with body lines added.
func sub(name, migrateFrom, extra string) string {
	return `subscription "` + name + `" {
  customer_id   = "` + gCust + `"
  migrate_from  = "` + migrateFrom + `"
  term_duration = "P1Y"
  billing_cycle = "monthly"
` + extra + `}
`
}

// posOf returns the line and column where the n-th (1-based) occurrence of at begins in src.
func posOf(t *testing.T, src, at string, n int) (int, int) {
	t.Helper()
	off := -1
	for i := 0; i < n; i++ {
		j := strings.Index(src[off+1:], at)
		if j < 0 {
			t.Fatalf("marker %q (occurrence %d) not in spec", at, n)
		}
		off += 1 + j
	}
	line := 1 + strings.Count(src[:off], "\n")
	col := off - strings.LastIndex(src[:off], "\n")
	return line, col
}

type diagWant struct {
	summary string
	at      string // where the subject starts: first occurrence (or nth) of this text; "" = no subject
	nth     int
}

type diagCase struct {
	name string
	src  string
	opts Options
	want []diagWant
}

// diagCases are the diagnostics that need command-line input (--var) or have no place in a file;
// every other invalid spec is a file in testdata/errors (see TestErrorFiles).
func diagCases() []diagCase {
	type want = diagWant
	return []diagCase{
		{"variable bad --var", "variable \"x\" {\n  type = number\n}\n", withTable(Options{Vars: []string{"x=abc"}}), []want{{"Invalid value for variable", "", 0}}},
		{"undeclared --var", "variable \"x\" {\n  default = 1\n}\n", withTable(Options{Vars: []string{"y=1"}}), []want{{"Value for undeclared variable", "", 0}}},
		{"malformed --var", "variable \"x\" {\n  default = 1\n}\n", withTable(Options{Vars: []string{"x"}}), []want{{"Invalid --var option", "", 0}}},
	}
}

func TestDiagnostics(t *testing.T) {
	for _, tc := range diagCases() {
		t.Run(tc.name, func(t *testing.T) {
			_, _, diags := LoadSources("testdata/full", map[string][]byte{"main.ferry.hcl": []byte(tc.src)}, tc.opts)
			var errs hcl.Diagnostics
			for _, d := range diags {
				if d.Severity == hcl.DiagError {
					errs = append(errs, d)
				}
			}
			if len(errs) != len(tc.want) {
				t.Fatalf("got %d errors, want %d:\n%s", len(errs), len(tc.want), render(diags))
			}
			for i, w := range tc.want {
				d := errs[i]
				if d.Summary != w.summary {
					t.Errorf("error %d: summary %q, want %q\n%s", i, d.Summary, w.summary, render(diags))
				}
				if d.Detail == "" {
					t.Errorf("error %d (%s) has no detail", i, d.Summary)
				}
				if w.at == "" {
					if d.Subject != nil {
						t.Errorf("error %d: subject %v, want none", i, d.Subject)
					}
					continue
				}
				line, col := posOf(t, tc.src, w.at, w.nth)
				if d.Subject == nil {
					t.Fatalf("error %d (%s): no subject, want main.ferry.hcl:%d:%d", i, d.Summary, line, col)
				}
				if got := d.Subject; got.Filename != "main.ferry.hcl" || got.Start.Line != line || got.Start.Column != col {
					t.Errorf("error %d (%s): at %s:%d:%d, want main.ferry.hcl:%d:%d", i, d.Summary, got.Filename, got.Start.Line, got.Start.Column, line, col)
				}
			}
		})
	}
}

// render formats diagnostics for failure messages.
func render(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Error())
		b.WriteString("\n")
	}
	return b.String()
}
