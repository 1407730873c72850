package hclspec

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/ferry-dev/ferry/views"
)

// Secrets given with --var in the tests below; the spec sources never hold them. secretGUID has
// hexadecimal letters so that upper() changes it and it stays a valid GUID.
const (
	secretGUID   = "5c1fabcd-3a4d-4e5f-8a9b-0c1d2e3f4aab"
	secretServer = "s-0123456789abcdef0"
)

// sensitiveDecls declares a sensitive variable of each type.
const sensitiveDecls = `variable "secret" {
  type      = string
  sensitive = true
}
variable "server" {
  type      = string
  sensitive = true
}
variable "n" {
  type      = number
  sensitive = true
}
variable "flag" {
  type      = bool
  sensitive = true
}
variable "json" {
  type      = string
  sensitive = true
}
variable "csv" {
  type      = string
  sensitive = true
}
variable "path" {
  type      = string
  sensitive = true
}
`

// sensitiveVars sets them; the file behind var.path holds secretGUID.
var sensitiveVars = []string{
	"secret=" + secretGUID, "server=" + secretServer, "n=7", "flag=true",
	`json={"id": "` + secretGUID + `"}`, "csv=id\n" + secretGUID, "path=id.txt",
}

// subWith is a valid subscription block whose argument arg is set to the expression expr, with
// extra lines first.
func subWith(name, arg, expr, extra string) string {
	base := []string{"customer_id", "migrate_from", "term_duration", "billing_cycle"}
	args := map[string]string{"customer_id": `"` + gCust + `"`, "migrate_from": `"` + g1 + `"`, "term_duration": `"P1Y"`, "billing_cycle": `"monthly"`}
	args[arg] = expr
	if !slices.Contains(base, arg) {
		base = append(base, arg)
	}
	var b strings.Builder
	b.WriteString(`subscription "` + name + "\" {\n" + extra)
	for _, k := range base {
		b.WriteString("  " + k + " = " + args[k] + "\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// TestSensitiveValuesRefusedInResources: a value computed from a sensitive variable, however it is
// transformed, is refused where it reaches a resource argument or an instance key, at the
// expression's range, and no diagnostic repeats it.
func TestSensitiveValuesRefusedInResources(t *testing.T) {
	cases := []struct {
		name string
		spec string // after sensitiveDecls
		at   string // the refused expression begins at the first occurrence of at after the declarations
		arg  string // named in the detail
	}{
		{"direct", subWith("a", "migrate_from", "var.secret", ""), "var.secret", "migrate_from"},
		{"upper()", subWith("a", "migrate_from", "upper(var.secret)", ""), "upper(", "migrate_from"},
		{"format()", subWith("a", "migrate_from", `format("%s", var.secret)`, ""), "format(", "migrate_from"},
		{"template", subWith("a", "customer_id", `"${var.secret}"`, ""), `"${var.secret}"`, "customer_id"},
		{"local", "locals {\n  id = lower(var.secret)\n}\n" + subWith("a", "migrate_from", "local.id", ""), "local.id\n", "migrate_from"},
		{"for expression", "locals {\n  ids = [for s in [var.secret] : trimspace(s)]\n}\n" + subWith("a", "migrate_from", "local.ids[0]", ""), "local.ids[0]", "migrate_from"},
		{"conditional on a sensitive bool", subWith("a", "migrate_from", `var.flag ? "`+g1+`" : "`+g2+`"`, ""), "var.flag", "migrate_from"},
		{"sensitive number", subWith("a", "quantity", "var.n", ""), "var.n", "quantity"},
		{"number from a secret", subWith("a", "quantity", "length(var.secret)", ""), "length(", "quantity"},
		{"sensitive bool", subWith("a", "purchase_full_term", "var.flag", ""), "var.flag\n", "purchase_full_term"},
		{"jsondecode()", subWith("a", "migrate_from", "jsondecode(var.json).id", ""), "jsondecode(", "migrate_from"},
		{"csvdecode()", subWith("a", "migrate_from", "csvdecode(var.csv)[0].id", ""), "csvdecode(", "migrate_from"},
		{"file() of a sensitive path", subWith("a", "migrate_from", "trimspace(file(var.path))", ""), "trimspace(", "migrate_from"},
		{"addon", strings.Replace(subWith("a", "migrate_from", `"`+g1+`"`, ""), "}\n", "  addon {\n    migrate_from = upper(var.secret)\n  }\n}\n", 1), "upper(", "addon[0].migrate_from"},
		{"commerce", strings.Replace(subWith("a", "via", `"commerce"`, "  microsoft_domain = \"contoso.onmicrosoft.com\"\n"), "}\n",
			"  commerce {\n    account_id = var.secret\n    source_subscription_id = \"1\"\n    plan_id = \"2\"\n    mode = \"switch_plan\"\n  }\n}\n", 1), "var.secret", "commerce.account_id"},
		{"timeouts", strings.Replace(subWith("a", "migrate_from", `"`+g1+`"`, ""), "}\n", "  timeouts {\n    order = \"${var.n}m\"\n  }\n}\n", 1), `"${var.n}m"`, "timeouts.order"},
		{"for_each set key", subWith("a", "migrate_from", `"`+g1+`"`, "  for_each = toset([upper(var.secret)])\n"), "toset(", "for_each"},
		{"for_each map key", subWith("a", "migrate_from", `"`+g1+`"`, "  for_each = { (var.secret) = 1 }\n"), "{ (var.secret)", "for_each"},
		{"for_each key from a for expression", subWith("a", "migrate_from", `"`+g1+`"`, "  for_each = { for s in [var.secret] : s => s }\n"), "{ for s", "for_each"},
		{"for_each value used", subWith("a", "migrate_from", "each.value", "  for_each = { k = var.secret }\n"), "each.value", "migrate_from"},
		{"skip_list entry", `skip_list "s" {
  product     = "PRD-183-233-565"
  marketplace = "MP-65669"
  entries     = ["AS-1564-9639-4055", "AS-${var.n}"]
}
`, "[\"AS-1564", "entries"},
		{"cutover", "cutover \"c\" {\n  source_server_id = var.server\n}\n", "var.server", "source_server_id"},
		{"import id", subWith("a", "migrate_from", `"`+g1+`"`, "") + "import {\n  to = subscription.a\n  id = \"" + gCust + "/${var.secret}\"\n}\n", `"` + gCust + "/", "id"},
		{"ferry block", "ferry {\n  state = \"${var.secret}.json\"\n}\n" + subWith("a", "migrate_from", `"`+g1+`"`, ""), `"${var.secret}.json"`, "state"},
		{"two blocks with the same secret (no duplicate message)", subWith("a", "migrate_from", "upper(var.secret)", "") + subWith("b", "migrate_from", "upper(var.secret)", ""), "upper(", "migrate_from"},
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "id.txt"), []byte(secretGUID+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := sensitiveDecls + tc.spec
			cfg, files, diags := LoadSources(dir, map[string][]byte{"main.ferry.hcl": []byte(src)}, withTable(Options{Vars: sensitiveVars}))
			if cfg != nil || !diags.HasErrors() {
				t.Fatalf("a sensitive value in a resource was accepted: %s", render(diags))
			}
			line, col := posOf(t, src, tc.at, 1+strings.Count(sensitiveDecls, tc.at))
			found := false
			for _, d := range diags {
				if d.Summary == "Sensitive value in a resource argument" && d.Subject != nil &&
					d.Subject.Filename == "main.ferry.hcl" && d.Subject.Start.Line == line && d.Subject.Start.Column == col &&
					strings.Contains(d.Detail, tc.arg) {
					found = true
				}
			}
			if !found {
				t.Errorf("want \"Sensitive value in a resource argument\" about %s at main.ferry.hcl:%d:%d, got:\n%s", tc.arg, line, col, render(diags))
			}
			assertNoSecret(t, files, diags)
		})
	}
}

// assertNoSecret fails when a diagnostic, rendered as text, holds a secret in any case.
func assertNoSecret(t *testing.T, files *Files, diags hcl.Diagnostics) {
	t.Helper()
	var b bytes.Buffer
	if err := views.WriteDiagnostics(&b, views.NewDiagnostics(diags, files.Map()), views.TextOptions{Width: 100}); err != nil {
		t.Fatal(err)
	}
	out := strings.ToLower(b.String() + render(diags))
	for _, s := range []string{secretGUID, "5c1fabcd", secretServer} {
		if strings.Contains(out, s) {
			t.Errorf("the diagnostics hold the secret %s:\n%s", s, b.String())
		}
	}
}

// TestSensitiveValuesAllowed: provider blocks take sensitive values (their strings registered for
// redaction), and a for_each map whose values are sensitive is fine as long as no argument uses
// them.
func TestSensitiveValuesAllowed(t *testing.T) {
	cases := []struct {
		name, spec string
		redacted   []string // in Files.Sensitive besides the variables' values
	}{
		{"provider", "provider \"partnercenter\" {\n  tenant_id = upper(var.secret)\n  endpoint = \"https://pc.example/${var.secret}\"\n}\n" + sub("a", g1, ""),
			[]string{strings.ToUpper(secretGUID), "https://pc.example/" + secretGUID}},
		{"for_each values unused", subWith("a", "migrate_from", `"`+g1+`"`, "  for_each = { k = var.secret }\n"), nil},
		{"unused local", "locals {\n  x = upper(var.secret)\n}\n" + sub("a", g1, ""), []string{strings.ToUpper(secretGUID)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, files, diags := LoadSources(t.TempDir(), map[string][]byte{"main.ferry.hcl": []byte(sensitiveDecls + tc.spec)}, withTable(Options{Vars: sensitiveVars}))
			if diags.HasErrors() {
				t.Fatalf("unexpected: %s", render(diags))
			}
			if p, ok := cfg.Providers["partnercenter"]; ok && p.String("tenant_id", "") != strings.ToUpper(secretGUID) {
				t.Errorf("tenant_id = %q", p.String("tenant_id", ""))
			}
			got := files.Sensitive()
			for _, want := range append([]string{secretGUID, secretServer, "7", "id.txt"}, tc.redacted...) {
				if !slices.Contains(got, want) {
					t.Errorf("Sensitive() = %q, lacks %q", got, want)
				}
			}
			if !slices.Equal(got, cfg.Sensitive) {
				t.Errorf("Config.Sensitive = %q, Files.Sensitive() = %q", cfg.Sensitive, got)
			}
		})
	}
}

// TestFunctionsTakeMarkedValues: every function of the language accepts sensitive arguments and
// marks its result.
func TestFunctionsTakeMarkedValues(t *testing.T) {
	exprs := map[string]string{
		"upper": "upper(var.secret)", "lower": "lower(var.secret)", "format": `format("x-%s", var.secret)`,
		"formatlist": `formatlist("%s", [var.secret])`, "join": `join(",", [var.secret, "a"])`, "split": `split("-", var.secret)`,
		"replace": `replace(var.secret, "5c", "xx")`, "substr": "substr(var.secret, 0, 4)", "trimspace": "trimspace(var.secret)",
		"jsondecode": "jsondecode(var.json)", "jsonencode": "jsonencode({ a = var.secret })", "csvdecode": "csvdecode(var.csv)",
		"file": "file(var.path)", "length": "length(var.secret)", "length of a list": "length([var.secret])",
		"strlen": "strlen(var.secret)", "regex": `regex("^[0-9a-f]+", var.secret)`, "coalesce": `coalesce("", var.secret)`,
		"lookup": `lookup({ a = var.secret }, "a", "")`, "merge": "merge({ a = var.secret }, { b = 1 })", "keys": "keys({ (var.secret) = 1 })",
		"toset": "toset([var.secret])", "tolist": "tolist([var.secret])", "tonumber": "tonumber(var.n)", "tostring": "tostring(var.n)",
		"max": "max(var.n, 1)", "abs": "abs(var.n)", "parseint": `parseint("ff", var.n + 9)`, "contains": `contains([var.secret], "a")`,
		"try": `try(var.secret, "")`, "can": "can(var.secret)", "element": "element([var.secret], 0)", "zipmap": `zipmap(["a"], [var.secret])`,
		"sort": "sort([var.secret])", "distinct": "distinct([var.secret])", "flatten": "flatten([[var.secret]])", "concat": `concat([var.secret], ["a"])`,
		"reverse": "reverse([var.secret])", "strrev": "strrev(var.secret)", "title": "title(var.secret)", "chomp": "chomp(var.secret)",
		"indent": "indent(2, var.secret)", "trimprefix": `trimprefix(var.secret, "5c")`, "tobool": "tobool(var.flag)", "not": "!var.flag",
		"template": `"${var.secret}!"`, "for": "[for c in split(\"-\", var.secret) : upper(c)]", "index": "[var.secret][0]",
		"conditional": `var.flag ? "a" : "b"`, "arithmetic": "var.n * 2",
	}
	var b strings.Builder
	b.WriteString(sensitiveDecls + "locals {\n")
	for name, e := range exprs {
		b.WriteString("  " + strings.ReplaceAll(strings.ReplaceAll(name, " ", "_"), "-", "_") + " = " + e + "\n")
	}
	b.WriteString("}\n")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "id.txt"), []byte(secretGUID+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l := newLoader(dir, withTable(Options{Vars: sensitiveVars}), map[string][]byte{"main.ferry.hcl": []byte(b.String())})
	l.evaluate()
	if l.diags.HasErrors() {
		t.Fatalf("load: %s", render(l.diags))
	}
	for name := range exprs {
		v := l.scope.localVal[strings.ReplaceAll(strings.ReplaceAll(name, " ", "_"), "-", "_")]
		if !v.IsWhollyKnown() {
			t.Errorf("%s: %#v", name, v)
			continue
		}
		if name == "can" {
			continue // can() says whether its argument evaluates, which is no secret
		}
		if !isSensitive(v) {
			t.Errorf("%s = %#v: the result of a function of a sensitive value is not marked", name, v)
		}
	}
	if v := l.scope.localVal["upper"]; !v.RawEquals(cty.StringVal(strings.ToUpper(secretGUID)).Mark(markSensitive)) {
		t.Errorf("upper = %#v", v)
	}
}

func TestSensitiveValuesKnownEvenWhenLoadFails(t *testing.T) {
	spec := `variable "secret" {
  type      = number
  sensitive = true
}
` + sub("a", "not-a-guid", "")
	cfg, files, diags := LoadSources("spec", map[string][]byte{"main.ferry.hcl": []byte(spec)}, withTable(Options{Vars: []string{"secret=hunter22secret"}}))
	if cfg != nil || !diags.HasErrors() {
		t.Fatal("want errors")
	}
	got := files.Sensitive()
	if len(got) != 1 || got[0] != "hunter22secret" {
		t.Errorf("Sensitive() = %v", got)
	}
}
