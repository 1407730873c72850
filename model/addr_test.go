package model

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

func TestParseAddr(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{`subscription.m365["5c1f2b7e-3a4d-4e5f-8a9b-0c1d2e3f4a5b"]`, `subscription.m365["5c1f2b7e-3a4d-4e5f-8a9b-0c1d2e3f4a5b"]`, true},
		{`cutover.web01`, `cutover.web01`, true},
		{`skip_list.nce`, `skip_list.nce`, true},
		{` cutover.web01 `, `cutover.web01`, true},
		{`subscription.m365`, `subscription.m365`, true},
		{`subscription.a["x\u0041"]`, `subscription.a["xA"]`, true},
		{`subscription.a["q\"\\ $${x}"]`, `subscription.a["q\"\\ $${x}"]`, true},
		{`subscription.a["tab\t"]`, `subscription.a["tab\t"]`, true},
		{``, ``, false},
		{`subscription`, ``, false},
		{`resource.x`, ``, false},
		{`subscription.a[0]`, ``, false},
		{`subscription.a["x"]["y"]`, ``, false},
		{`subscription.a.b`, ``, false},
		{`subscription.a["${x}"]`, ``, false},
		{`subscription["a"]`, ``, false},
		{`subscription.a[`, ``, false},
	}
	for _, tc := range cases {
		got, err := ParseAddr(tc.in)
		if (err == nil) != tc.ok || string(got) != tc.want {
			t.Errorf("ParseAddr(%q) = %q, %v; want %q ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if err == nil {
			again, err := ParseAddr(string(got))
			if err != nil || again != got {
				t.Errorf("ParseAddr(%q) not stable: %q, %v", got, again, err)
			}
		}
	}
}

func TestMakeAddrRoundTrip(t *testing.T) {
	for _, key := range []string{"", "plain", `quote"`, `back\slash`, "new\nline", "ctl\x01", "$${", "${x}", "%{if}", "é✓", "$", "%"} {
		addr := MakeAddr("subscription", "s", key, true)
		p, err := ParseAddrParts(string(addr))
		if err != nil || !p.HasKey || p.Key != key {
			t.Errorf("key %q: %s parsed as %+v, %v", key, addr, p, err)
		}
	}
}

func TestAddrMatches(t *testing.T) {
	cases := []struct {
		target, addr Addr
		want         bool
	}{
		{`subscription.m365`, `subscription.m365["a"]`, true},
		{`subscription.m365`, `subscription.m365`, true},
		{`subscription.m365["a"]`, `subscription.m365["a"]`, true},
		{`subscription.m365["a"]`, `subscription.m365["b"]`, false},
		{`subscription.m365["a"]`, `subscription.m365`, false},
		{`subscription.m36`, `subscription.m365["a"]`, false},
		{`cutover.m365`, `subscription.m365["a"]`, false},
		{`subscription.m365`, `subscription.m365x`, false},
		{`garbage`, `subscription.m365`, false},
	}
	for _, tc := range cases {
		if got := AddrMatches(tc.target, tc.addr); got != tc.want {
			t.Errorf("AddrMatches(%s, %s) = %v, want %v", tc.target, tc.addr, got, tc.want)
		}
	}
}

// FuzzParsePlainAddr checks that the parser of plain addresses agrees with the HCL parser.
func FuzzParsePlainAddr(f *testing.F) {
	for _, s := range []string{`subscription.m365["5c1f2b7e-3a4d"]`, `cutover.web01`, `skip_list.a_b-c`, `subscription.a["x]["]`,
		`subscription.a[""]`, `subscription._x["a b"]`, `subscription.a["x"]["y"]`, `cutover.1a`, `cutover.a-["k"]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fast, ok := parsePlainAddr(s)
		if !ok {
			return
		}
		trav, diags := hclsyntax.ParseTraversalAbs([]byte(s), "<address>", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("parsePlainAddr took %q, which HCL refuses: %v", s, diags)
		}
		want, err := AddrFromTraversal(trav)
		if err != nil || fast != want {
			t.Fatalf("parsePlainAddr(%q) = %#v; HCL: %#v, %v", s, fast, want, err)
		}
	})
}
