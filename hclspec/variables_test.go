package hclspec

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// loadVars loads testdata/vars and returns the variable values.
func loadVars(t *testing.T, opts Options) (map[string]cty.Value, *Config, hcl.Diagnostics) {
	t.Helper()
	l := newLoader("testdata/vars", opts, map[string][]byte{})
	cfg := l.load()
	vals := l.scope.vars
	cfg, _, diags := l.finish(cfg)
	if diags.HasErrors() {
		t.Fatalf("load: %s", render(diags))
	}
	return vals, cfg, diags
}

func TestVariablePrecedence(t *testing.T) {
	env := map[string]string{"FERRY_VAR_a": "env", "FERRY_VAR_b": "env", "FERRY_VAR_c": "env", "FERRY_VAR_d": "env"}
	cases := []struct {
		name string
		opts Options
		want map[string]string
	}{
		{"defaults", withTable(Options{}), map[string]string{"a": "default", "b": "default", "c": "default", "d": "default"}},
		{"environ", withTable(Options{Environ: []string{"FERRY_VAR_a=env", "PATH=/bin", "FERRY_VAR_b="}}), map[string]string{"a": "env", "b": "", "c": "default", "d": "default"}},
		{"getenv", withTable(Options{Getenv: func(k string) string { return env[k] }}), map[string]string{"a": "env", "b": "env", "c": "env", "d": "env"}},
		{"environ before getenv", withTable(Options{Environ: []string{"FERRY_VAR_a=environ"}, Getenv: func(k string) string { return env[k] }}), map[string]string{"a": "environ", "b": "env", "c": "env", "d": "env"}},
		{"var files in order over env", withTable(Options{Getenv: func(k string) string { return env[k] }, VarFiles: []string{"testdata/vars/one.tfvars", "testdata/vars/two.tfvars"}}),
			map[string]string{"a": "env", "b": "file1", "c": "file2", "d": "env"}},
		{"--var over all, later wins", withTable(Options{Getenv: func(k string) string { return env[k] }, VarFiles: []string{"testdata/vars/one.tfvars", "testdata/vars/two.tfvars"},
			Vars: []string{"c=cli1", "d=cli1", "d=cli2=x"}}),
			map[string]string{"a": "env", "b": "file1", "c": "cli1", "d": "cli2=x"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vals, _, _ := loadVars(t, tc.opts)
			got := map[string]string{}
			for _, n := range []string{"a", "b", "c", "d"} {
				got[n] = vals[n].AsString()
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVariableTypesAndWarnings(t *testing.T) {
	vals, cfg, diags := loadVars(t, withTable(Options{VarFiles: []string{"testdata/vars/one.tfvars"}, Vars: []string{`l=["x", "y"]`}}))
	if n := vals["n"]; !n.RawEquals(cty.NumberIntVal(2)) {
		t.Errorf("n = %#v, want 2 from the var file", n)
	}
	if l := vals["l"]; !l.RawEquals(cty.ListVal([]cty.Value{cty.StringVal("x"), cty.StringVal("y")})) {
		t.Errorf("l = %#v", l)
	}
	if len(diags) != 1 || diags[0].Severity != hcl.DiagWarning || diags[0].Summary != "Value for undeclared variable" ||
		diags[0].Subject.Filename != "testdata/vars/one.tfvars" || diags[0].Subject.Start.Line != 4 {
		t.Errorf("diags = %s", render(diags))
	}
	if diff := cmp.Diff([]string{"s3cret"}, cfg.Sensitive); diff != "" {
		t.Errorf("sensitive (-want +got):\n%s", diff)
	}
	vals, _, _ = loadVars(t, withTable(Options{Vars: []string{"n=41 + 1"}, Environ: []string{"FERRY_VAR_n=7"}}))
	if n := vals["n"]; !n.RawEquals(cty.NumberIntVal(42)) {
		t.Errorf("n = %#v, want 42", n)
	}
	vals, _, _ = loadVars(t, withTable(Options{Environ: []string{"FERRY_VAR_n=7"}}))
	if n := vals["n"]; !n.RawEquals(cty.NumberIntVal(7)) {
		t.Errorf("n = %#v, want 7 from the environment", n)
	}
}

func TestVarFileErrors(t *testing.T) {
	_, _, diags := Load("testdata/vars", withTable(Options{VarFiles: []string{"testdata/vars/missing.tfvars"}}))
	if !diags.HasErrors() || diags[0].Summary != "Failed to read variables file" {
		t.Errorf("diags = %s", render(diags))
	}
	_, _, diags = Load("testdata/vars", withTable(Options{Vars: []string{`n="x"`}}))
	if !diags.HasErrors() || diags[0].Summary != "Invalid value for variable" {
		t.Errorf("diags = %s", render(diags))
	}
}
