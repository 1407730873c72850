package hclspec

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

func TestBackendBlock(t *testing.T) {
	src := `ferry {
  backend "postgres" {
    conn_str_env = "TEAM_PG"
    schema       = "ferry_emea"
    workspace    = "emea-wave-1"
  }
}
`
	cfg, _, diags := LoadSources("testdata/full", map[string][]byte{"main.ferry.hcl": []byte(src)}, withTable(Options{}))
	if diags.HasErrors() {
		t.Fatal(render(diags))
	}
	b := cfg.Backend
	if b == nil || b.Type != "postgres" || b.ConnStrEnv != "TEAM_PG" || b.Schema != "ferry_emea" || b.Workspace != "emea-wave-1" {
		t.Fatalf("backend %+v", b)
	}
	if b.DeclRange.Start.Line != 2 {
		t.Errorf("declared at line %d, want 2", b.DeclRange.Start.Line)
	}

	cfg, _, diags = LoadSources("testdata/full", map[string][]byte{"main.ferry.hcl": []byte("ferry {\n  backend \"postgres\" {}\n}\n")}, withTable(Options{}))
	if diags.HasErrors() || cfg.Backend == nil || cfg.Backend.Schema != "" || cfg.Backend.Workspace != "" {
		t.Fatalf("empty backend block: %+v %s", cfg.Backend, render(diags))
	}
}

func TestBackendBlockErrors(t *testing.T) {
	cases := []struct {
		name, src, summary, detail string
		line                       int
	}{
		{"unknown type", "ferry {\n  backend \"s3\" {}\n}\n", "Unsupported backend", `no backend "s3"`, 2},
		{"two", "ferry {\n  backend \"postgres\" {}\n  backend \"postgres\" {}\n}\n", "Duplicate backend block", "already declared", 3},
		{"with state", "ferry {\n  state = \"x.json\"\n  backend \"postgres\" {}\n}\n", "Conflicting state settings", "Keep one", 2},
		{"bad env name", "ferry {\n  backend \"postgres\" { conn_str_env = \"postgres://u:p@h/db\" }\n}\n", "Invalid environment variable name",
			"never goes in the spec", 2},
		{"bad schema", "ferry {\n  backend \"postgres\" { schema = \"Drop;Table\" }\n}\n", "Invalid schema", "lower-case letters", 2},
		{"reserved schema", "ferry {\n  backend \"postgres\" { schema = \"pg_ferry\" }\n}\n", "Invalid schema", "reserved by PostgreSQL", 2},
		{"catalog schema", "ferry {\n  backend \"postgres\" { schema = \"information_schema\" }\n}\n", "Invalid schema", "reserved by PostgreSQL", 2},
		{"bad workspace", "ferry {\n  backend \"postgres\" { workspace = \"../x\" }\n}\n", "Invalid workspace", "letters, digits", 2},
		{"unknown argument", "ferry {\n  backend \"postgres\" { conn_str = \"postgres://h\" }\n}\n", "Unsupported argument", "conn_str", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, diags := LoadSources("testdata/full", map[string][]byte{"main.ferry.hcl": []byte(tc.src)}, withTable(Options{}))
			var errs hcl.Diagnostics
			for _, d := range diags {
				if d.Severity == hcl.DiagError {
					errs = append(errs, d)
				}
			}
			if len(errs) != 1 {
				t.Fatalf("got %d errors, want 1:\n%s", len(errs), render(diags))
			}
			d := errs[0]
			if d.Summary != tc.summary || !strings.Contains(d.Detail, tc.detail) || d.Subject == nil || d.Subject.Start.Line != tc.line {
				t.Fatalf("got %q / %q at %v; want %q containing %q at line %d", d.Summary, d.Detail, d.Subject, tc.summary, tc.detail, tc.line)
			}
		})
	}
}
