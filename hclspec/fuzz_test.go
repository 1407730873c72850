package hclspec

import (
	"os"
	"testing"

	"github.com/ferry-dev/ferry/model"
)

func FuzzLoad(f *testing.F) {
	full, err := os.ReadFile("testdata/full/main.ferry.hcl")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(full))
	f.Add(sub("a", g1, "  for_each = toset([\"x\"])\n  depends_on = [subscription.a]\n"))
	f.Add("skip_list \"s\" {\n  product = \"PRD-183-233-565\"\n  marketplace = \"MP-12345\"\n  entries = [\"AS-1564-9639-4055\", \"AS-1564-9639-4055\"]\n}\n")
	f.Add("cutover \"c\" {\n  source_server_id = \"s-1234567890abcdef0\"\n  max_lag = \"PT5M\"\n}\n")
	f.Add("locals {\n  a = local.b\n  b = local.a\n}\nvariable \"v\" {\n  type = list(number)\n}\n")
	f.Add("import {\n  to = subscription.a[\"x\"]\n  id = \"a/b\"\n}\n")
	f.Add("notify \"n\" {\n  events = [\"apply_finished\", \"x\"]\n  webhook {\n    url = \"http://127.0.0.1:1/x\"\n    secret_env = \"K\"\n    timeout = \"2s\"\n  }\n  email {\n    to = [\"a@b\"]\n    from = \"c\"\n    smtp = \"h:1\"\n  }\n}\nferry { reports = \"r\" }\n")
	f.Add("subscription \"a\" {\n  for_each = csvdecode(\"a,b\\n1,2\")\n}\n")
	f.Add("variable \"s\" {\n  sensitive = true\n  default = { a = \"x\", n = 1 }\n}\nlocals {\n  l = [for k, v in var.s : upper(tostring(v))]\n}\nprovider \"partnercenter\" {\n  tenant_id = local.l[0]\n}\n" +
		sub("a", g1, "  for_each = { k = var.s.a }\n  quantity = length(each.value)\n"))
	f.Fuzz(func(t *testing.T, src string) {
		cfg, _, diags := LoadSources("testdata/full", map[string][]byte{"main.ferry.hcl": []byte(src)}, withTable(Options{Vars: []string{"customers_csv=customers.csv"}}))
		if diags.HasErrors() != (cfg == nil) {
			t.Fatalf("config %v with errors %v", cfg != nil, diags.HasErrors())
		}
		_ = Format([]byte(src))
	})
}

func FuzzParseAddr(f *testing.F) {
	for _, s := range []string{`subscription.m365["k"]`, `cutover.web01`, `skip_list.nce`, `subscription.a["$${x}\n"]`, `x[`, `subscription.a[0]`} {
		f.Add(s)
	}
	f.Add("variable \"s\" {\n  sensitive = true\n  default = { a = \"x\", n = 1 }\n}\nlocals {\n  l = [for k, v in var.s : upper(tostring(v))]\n}\nprovider \"partnercenter\" {\n  tenant_id = local.l[0]\n}\n" +
		sub("a", g1, "  for_each = { k = var.s.a }\n  quantity = length(each.value)\n"))
	f.Fuzz(func(t *testing.T, s string) {
		addr, err := model.ParseAddr(s)
		if err != nil {
			return
		}
		again, err := model.ParseAddr(string(addr))
		if err != nil || again != addr {
			t.Fatalf("model.ParseAddr(%q) = %q, but that parses as %q, %v", s, addr, again, err)
		}
		if !model.AddrMatches(addr, addr) {
			t.Fatalf("%q does not match itself", addr)
		}
	})
}
