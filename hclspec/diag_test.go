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

func TestDiagnostics(t *testing.T) {
	type want struct {
		summary string
		at      string // where the subject starts: first occurrence (or nth) of this text; "" = no subject
		nth     int
	}
	cases := []struct {
		name string
		src  string
		opts Options
		want []want
	}{
		{"valid minimal", sub("a", g1, ""), withTable(Options{}), nil},
		{"bad customer guid", strings.Replace(sub("a", g1, ""), gCust, "not-a-guid", 1), withTable(Options{}), []want{{"Invalid GUID", `"not-a-guid"`, 1}}},
		{"bad migrate_from", sub("a", "1234", ""), withTable(Options{}), []want{{"Invalid GUID", `"1234"`, 1}}},
		{"bad addon migrate_from", sub("a", g1, "  addon {\n    migrate_from = \"x\"\n  }\n"), withTable(Options{}), []want{{"Invalid GUID", `"x"`, 1}}},
		{"domain suffix", sub("a", g1, "  microsoft_domain = \"contoso.com\"\n"), withTable(Options{}), []want{{"Invalid Microsoft domain", `"contoso.com"`, 1}}},
		{"domain dns", sub("a", g1, "  microsoft_domain = \"bad_name.onmicrosoft.com\"\n"), withTable(Options{}), []want{{"Invalid Microsoft domain", `"bad_name`, 1}}},
		{"domain ok", sub("a", g1, "  microsoft_domain = \"Contoso-1.onmicrosoft.com\"\n"), withTable(Options{}), nil},
		{"term", strings.Replace(sub("a", g1, ""), `"P1Y"`, `"P2Y"`, 1), withTable(Options{}), []want{{"Invalid term_duration", `"P2Y"`, 1}}},
		{"billing", strings.Replace(sub("a", g1, ""), `"monthly"`, `"weekly"`, 1), withTable(Options{}), []want{{"Invalid billing_cycle", `"weekly"`, 1}}},
		{"triennial needs P3Y", strings.Replace(sub("a", g1, ""), `"monthly"`, `"triennial"`, 1), withTable(Options{}), []want{{"Unsupported term and billing cycle", `"triennial"`, 1}}},
		{"annual not P1M", strings.NewReplacer(`"monthly"`, `"annual"`, `"P1Y"`, `"P1M"`).Replace(sub("a", g1, "")), withTable(Options{}), []want{{"Unsupported term and billing cycle", `"annual"`, 1}}},
		{"P3Y annual ok", strings.NewReplacer(`"monthly"`, `"annual"`, `"P1Y"`, `"P3Y"`).Replace(sub("a", g1, "")), withTable(Options{}), nil},
		{"addon inherits billing", strings.Replace(sub("a", g1, "  addon {\n    migrate_from  = \""+g2+"\"\n    term_duration = \"P1M\"\n  }\n"), `"monthly"`, `"annual"`, 1), withTable(Options{}),
			[]want{{"Unsupported term and billing cycle", `"P1M"`, 1}}},
		{"via", sub("a", g1, "  via = \"pc\"\n"), withTable(Options{}), []want{{"Invalid via", `"pc"`, 1}}},
		{"commerce block required", sub("a", g1, "  via = \"commerce\"\n  microsoft_domain = \"c.onmicrosoft.com\"\n"), withTable(Options{}), []want{{"Missing commerce block", `"commerce"`, 1}}},
		{"commerce block forbidden", sub("a", g1, "  commerce {\n    account_id = \"1\"\n    source_subscription_id = \"2\"\n    plan_id = \"p\"\n    mode = \"switch_plan\"\n  }\n"), withTable(Options{}),
			[]want{{"Unexpected commerce block", "commerce {", 1}}},
		{"commerce mode", sub("a", g1, "  via = \"commerce\"\n  microsoft_domain = \"c.onmicrosoft.com\"\n  commerce {\n    account_id = \"1\"\n    source_subscription_id = \"2\"\n    plan_id = \"p\"\n    mode = \"upgrade\"\n  }\n"), withTable(Options{}),
			[]want{{"Invalid commerce mode", `"upgrade"`, 1}}},
		{"commerce needs domain", sub("a", g1, "  via = \"commerce\"\n  commerce {\n    account_id = \"1\"\n    source_subscription_id = \"2\"\n    plan_id = \"p\"\n    mode = \"switch_plan\"\n  }\n"), withTable(Options{}),
			[]want{{"Missing microsoft_domain", `subscription "a"`, 1}}},
		{"quantity zero", sub("a", g1, "  quantity = 0\n"), withTable(Options{}), []want{{"Invalid quantity", "0\n", 1}}},
		{"quantity fraction", sub("a", g1, "  quantity = 1.5\n"), withTable(Options{}), []want{{"Invalid quantity", "1.5", 1}}},
		{"quantity type", sub("a", g1, "  quantity = \"many\"\n"), withTable(Options{}), []want{{"Incorrect attribute value type", `"many"`, 1}}},
		{"timeouts", sub("a", g1, "  timeouts {\n    order = \"10x\"\n    migration = \"-1h\"\n  }\n"), withTable(Options{}),
			[]want{{"Invalid timeout", `"10x"`, 1}, {"Invalid timeout", `"-1h"`, 1}}},
		{"timeouts ok", sub("a", g1, "  timeouts {\n    order = \"1d12h\"\n  }\n"), withTable(Options{}), nil},
		{"missing required", `subscription "a" {
  customer_id  = "` + gCust + `"
  migrate_from = "` + g1 + `"
  billing_cycle = "monthly"
}
`, withTable(Options{}), []want{{"Missing required argument", "{", 1}}},
		{"null required", strings.Replace(sub("a", g1, ""), `"P1Y"`, "null", 1), withTable(Options{}), []want{{"Missing required argument", "null", 1}}},
		{"unsupported argument", sub("a", g1, "  colour = 1\n"), withTable(Options{}), []want{{"Unsupported argument", "colour", 1}}},
		{"unsupported block", sub("a", g1, "  widget {}\n"), withTable(Options{}), []want{{"Unsupported block type", "widget", 1}}},
		{"unsupported top block", "resource \"x\" \"y\" {}\n", withTable(Options{}), []want{{"Unsupported block type", "resource", 1}}},
		{"syntax error", "subscription \"a\" {\n  customer_id = \n}\n", withTable(Options{}), []want{{"Invalid expression", "\n}", 1}}},

		{"product", "skip_list \"s\" {\n  product = \"PRD-1\"\n  marketplace = \"MP-12345\"\n  entries = []\n}\n", withTable(Options{}), []want{{"Invalid Connect product ID", `"PRD-1"`, 1}}},
		{"marketplace", "skip_list \"s\" {\n  product = \"PRD-183-233-565\"\n  marketplace = \"MP-1234\"\n  entries = []\n}\n", withTable(Options{}), []want{{"Invalid Connect marketplace ID", `"MP-1234"`, 1}}},
		{"entry", "skip_list \"s\" {\n  product = \"PRD-183-233-565\"\n  marketplace = \"MP-12345\"\n  entries = [\"AS-1564-9639-4055\", \"CU-1\", \"PR-3590-4186-1549\"]\n}\n", withTable(Options{}),
			[]want{{"Invalid skip-list entry", `"CU-1"`, 1}, {"Invalid skip-list entry", `"PR-3590-4186-1549"`, 1}}},
		{"entry whitespace", "skip_list \"s\" {\n  product = \"PRD-183-233-565\"\n  marketplace = \"MP-12345\"\n  entries = split(\",\", \"AS-1564-9639-4055, TA-0000-0000-0001\")\n}\n", withTable(Options{}),
			[]want{{"Invalid skip-list entry", `split`, 1}}},
		{"entry duplicate in list", "skip_list \"s\" {\n  product = \"PRD-183-233-565\"\n  marketplace = \"MP-12345\"\n  entries = [\"AS-1564-9639-4055\", \"TA-0000-0000-0001\", \"AS-1564-9639-4055\"]\n}\n", withTable(Options{}),
			[]want{{"Duplicate skip-list entry", `"AS-1564-9639-4055"`, 2}}},
		{"entry duplicate across lists", "skip_list \"s\" {\n  product = \"PRD-183-233-565\"\n  marketplace = \"MP-12345\"\n  entries = [\"AS-1564-9639-4055\"]\n}\n" +
			"skip_list \"t\" {\n  product = \"PRD-183-233-565\"\n  marketplace = \"MP-12345\"\n  entries = [\"TA-0000-0000-0001\", \"AS-1564-9639-4055\"]\n}\n", withTable(Options{}),
			[]want{{"Duplicate skip-list entry", `"AS-1564-9639-4055"`, 2}}},
		{"same entry other marketplace ok", "skip_list \"s\" {\n  product = \"PRD-183-233-565\"\n  marketplace = \"MP-12345\"\n  entries = [\"AS-1564-9639-4055\"]\n}\n" +
			"skip_list \"t\" {\n  product = \"PRD-183-233-565\"\n  marketplace = \"MP-54321\"\n  entries = [\"AS-1564-9639-4055\"]\n}\n", withTable(Options{}), nil},
		{"parameter", "skip_list \"s\" {\n  product = \"PRD-183-233-565\"\n  marketplace = \"MP-12345\"\n  parameter = \"skip list\"\n  entries = []\n}\n", withTable(Options{}), []want{{"Invalid Connect parameter ID", `"skip list"`, 1}}},

		{"server id", "cutover \"c\" {\n  source_server_id = \"s-123\"\n}\n", withTable(Options{}), []want{{"Invalid MGN source server ID", `"s-123"`, 1}}},
		{"server id upper", "cutover \"c\" {\n  source_server_id = \"s-1234567890ABCDEF0\"\n}\n", withTable(Options{}), []want{{"Invalid MGN source server ID", `"s-`, 1}}},
		{"max_lag", "cutover \"c\" {\n  source_server_id = \"s-1234567890abcdef0\"\n  max_lag = \"5m\"\n}\n", withTable(Options{}), []want{{"Invalid max_lag", `"5m"`, 1}}},
		{"max_lag months", "cutover \"c\" {\n  source_server_id = \"s-1234567890abcdef0\"\n  max_lag = \"P1M\"\n}\n", withTable(Options{}), []want{{"Invalid max_lag", `"P1M"`, 1}}},
		{"duplicate server", "cutover \"c\" {\n  source_server_id = \"s-1234567890abcdef0\"\n}\ncutover \"d\" {\n  source_server_id = \"s-1234567890abcdef0\"\n}\n", withTable(Options{}),
			[]want{{"Duplicate source server", `"s-1234567890abcdef0"`, 2}}},

		{"duplicate block", sub("a", g1, "") + sub("a", g2, ""), withTable(Options{}), []want{{"Duplicate subscription block", `subscription "a"`, 2}}},
		{"duplicate legacy", sub("a", g1, "") + sub("b", g1, ""), withTable(Options{}), []want{{"Duplicate legacy subscription", `"` + g1 + `"`, 2}}},
		{"duplicate legacy addon", sub("a", g1, "  addon {\n    migrate_from = \""+g1+"\"\n  }\n"), withTable(Options{}), []want{{"Duplicate legacy subscription", `"` + g1 + `"`, 2}}},
		{"duplicate legacy for_each", sub("a", g1, "  for_each = toset([\"x\", \"y\"])\n"), withTable(Options{}), []want{{"Duplicate legacy subscription", `"` + g1 + `"`, 1}}},

		{"import ok", sub("a", g1, "") + "import {\n  to = subscription.a\n  id = \"" + gCust + "/" + g2 + "\"\n}\n", withTable(Options{}), nil},
		{"import id", sub("a", g1, "") + "import {\n  to = subscription.a\n  id = \"" + g2 + "\"\n}\n", withTable(Options{}), []want{{"Invalid import ID", `"` + g2 + `"`, 1}}},
		{"import customer", sub("a", g1, "") + "import {\n  to = subscription.a\n  id = \"" + g1 + "/" + g2 + "\"\n}\n", withTable(Options{}), []want{{"Import ID of another customer", `"` + g1 + "/", 1}}},
		{"import unknown instance", sub("a", g1, "  for_each = { k = 1 }\n") + "import {\n  to = subscription.a[\"nope\"]\n  id = \"" + gCust + "/" + g2 + "\"\n}\n", withTable(Options{}),
			[]want{{"Import to unknown instance", `subscription.a["nope"]`, 1}}},
		{"import missing key", sub("a", g1, "  for_each = { k = 1 }\n") + "import {\n  to = subscription.a\n  id = \"" + gCust + "/" + g2 + "\"\n}\n", withTable(Options{}),
			[]want{{"Missing instance key", `subscription.a`, 1}}},
		{"import undeclared", "import {\n  to = subscription.zz\n  id = \"" + gCust + "/" + g2 + "\"\n}\n", withTable(Options{}), []want{{"Import to undeclared resource", `subscription.zz`, 1}}},
		{"import not a subscription", "cutover \"c\" {\n  source_server_id = \"s-1234567890abcdef0\"\n}\nimport {\n  to = cutover.c\n  id = \"x\"\n}\n", withTable(Options{}),
			[]want{{"Unsupported import target", `cutover.c`, 1}}},
		{"import string to", sub("a", g1, "") + "import {\n  to = \"subscription.a\"\n  id = \"" + gCust + "/" + g2 + "\"\n}\n", withTable(Options{}), []want{{"Invalid import address", `"subscription.a"`, 1}}},
		{"duplicate import", sub("a", g1, "") + "import {\n  to = subscription.a\n  id = \"" + gCust + "/" + g2 + "\"\n}\nimport {\n  to = subscription.a\n  id = \"" + gCust + "/" + g1 + "\"\n}\n", withTable(Options{}),
			[]want{{"Duplicate import", `subscription.a`, 2}}},

		{"depends_on undeclared", sub("a", g1, "  depends_on = [cutover.nope]\n"), withTable(Options{}), []want{{"Reference to undeclared resource", "cutover.nope", 1}}},
		{"depends_on string", sub("a", g1, "  depends_on = [\"cutover.c\"]\n"), withTable(Options{}), []want{{"Invalid depends_on reference", `"cutover.c"`, 1}}},
		{"depends_on cycle", "cutover \"a\" {\n  source_server_id = \"s-1234567890abcdef0\"\n  depends_on = [cutover.b]\n}\ncutover \"b\" {\n  source_server_id = \"s-1234567890abcdef1\"\n  depends_on = [cutover.a]\n}\n", withTable(Options{}),
			[]want{{"Dependency cycle", "cutover.a]", 1}}},
		{"depends_on self", sub("a", g1, "  for_each = { x = \""+g1+"\", y = \""+g2+"\" }\n  depends_on = [subscription.a]\n"), withTable(Options{}),
			[]want{{"Dependency cycle", "subscription.a]", 1}, {"Duplicate legacy subscription", `"` + g1 + `"`, 1}}},
		{"depends_on instance key", "cutover \"a\" {\n  source_server_id = \"s-1234567890abcdef0\"\n  depends_on = [cutover.b[\"x\"]]\n}\ncutover \"b\" {\n  for_each = toset([\"y\"])\n  source_server_id = \"s-1234567890abcdef1\"\n}\n", withTable(Options{}),
			[]want{{"Reference to undeclared instance", `cutover.b["x"]`, 1}}},

		{"for_each list", sub("a", g1, "  for_each = [\"x\"]\n"), withTable(Options{}), []want{{"Invalid for_each argument", `["x"]`, 1}}},
		{"for_each null", sub("a", g1, "  for_each = null\n"), withTable(Options{}), []want{{"Invalid for_each argument", "null", 1}}},
		{"for_each string", sub("a", g1, "  for_each = \"x\"\n"), withTable(Options{}), []want{{"Invalid for_each argument", `"x"`, 1}}},
		{"each outside for_each", strings.Replace(sub("a", g1, ""), `"`+g1+`"`, "each.key", 1), withTable(Options{}), []want{{"each is not available here", "each.key", 1}}},
		{"resource reference", strings.Replace(sub("a", g1, ""), `"`+g1+`"`, "cutover.c.id", 1), withTable(Options{}), []want{{"Resource references are not allowed here", "cutover.c.id", 1}}},
		{"undeclared var", strings.Replace(sub("a", g1, ""), `"`+g1+`"`, "var.legacy", 1), withTable(Options{}), []want{{"Reference to undeclared input variable", "var.legacy", 1}}},
		{"undeclared local", strings.Replace(sub("a", g1, ""), `"`+g1+`"`, "local.legacy", 1), withTable(Options{}), []want{{"Reference to undeclared local value", "local.legacy", 1}}},
		{"unknown root", strings.Replace(sub("a", g1, ""), `"`+g1+`"`, "legacy", 1), withTable(Options{}), []want{{"Unknown variable", "legacy", 1}}},
		{"locals cycle", "locals {\n  a = local.b\n  b = local.a\n}\n", withTable(Options{}), []want{{"Cycle in local values", "a =", 1}}},
		{"locals order", "locals {\n  a = local.b\n  b = upper(\"x\")\n}\n" + strings.Replace(sub("a", g1, ""), `"P1Y"`, `"P1${local.a}"`, 1), withTable(Options{}), []want{{"Invalid term_duration", `"P1${`, 1}}},
		{"duplicate local", "locals {\n  a = 1\n}\nlocals {\n  a = 2\n}\n", withTable(Options{}), []want{{"Duplicate local value", "a = 2", 1}}},
		{"file missing", "locals {\n  x = file(\"nope.csv\")\n}\n", withTable(Options{}), []want{{"Invalid function argument", `nope.csv`, 1}}},
		{"unknown function", "locals {\n  x = fly(1)\n}\n", withTable(Options{}), []want{{"Call to unknown function", "fly", 1}}},

		{"unknown provider", "provider \"azure\" {}\n", withTable(Options{}), []want{{"Unknown provider", `"azure"`, 1}}},
		{"duplicate provider", "provider \"mgn\" {}\nprovider \"mgn\" {}\n", withTable(Options{}), []want{{"Duplicate provider block", `provider "mgn"`, 2}}},
		{"provider argument", "provider \"partnercenter\" {\n  region = \"eu-west-1\"\n}\n", withTable(Options{}), []want{{"Unsupported argument", "region", 1}}},
		{"provider endpoint", "provider \"connect\" {\n  endpoint = \"api.connect\"\n}\n", withTable(Options{}), []want{{"Invalid endpoint", `"api.connect"`, 1}}},
		{"provider region", "provider \"mgn\" {\n  region = \"Ireland\"\n}\n", withTable(Options{}), []want{{"Invalid region", `"Ireland"`, 1}}},
		{"duplicate ferry", "ferry {}\nferry {}\n", withTable(Options{}), []want{{"Duplicate ferry block", "ferry", 2}}},
		{"parallelism", "ferry {\n  parallelism = 0\n}\n", withTable(Options{}), []want{{"Invalid parallelism", "0", 1}}},
		{"block name", strings.Replace(sub("a", g1, ""), `"a"`, `"a b"`, 1), withTable(Options{}), []want{{"Invalid block name", `"a b"`, 1}}},

		{"required variable", "variable \"x\" {}\n", withTable(Options{}), []want{{"No value for required variable", `variable "x"`, 1}}},
		{"variable bad default", "variable \"x\" {\n  type = number\n  default = \"abc\"\n}\n", withTable(Options{}), []want{{"Invalid value for variable", `"abc"`, 1}}},
		{"variable bad --var", "variable \"x\" {\n  type = number\n}\n", withTable(Options{Vars: []string{"x=abc"}}), []want{{"Invalid value for variable", "", 0}}},
		{"undeclared --var", "variable \"x\" {\n  default = 1\n}\n", withTable(Options{Vars: []string{"y=1"}}), []want{{"Value for undeclared variable", "", 0}}},
		{"malformed --var", "variable \"x\" {\n  default = 1\n}\n", withTable(Options{Vars: []string{"x"}}), []want{{"Invalid --var option", "", 0}}},
		{"bad type", "variable \"x\" {\n  type = strin\n  default = 1\n}\n", withTable(Options{}), []want{{"Invalid type specification", "strin", 1}}},
	}
	for _, tc := range cases {
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
