package hclspec

import (
	"strings"
	"testing"
)

func TestWriteDiagnostics(t *testing.T) {
	src := sub("m365", g1, "  microsoft_domain = \"contoso.com\"\n")
	_, files, diags := LoadSources("testdata", map[string][]byte{"main.ferry.hcl": []byte(src)}, withTable(Options{Vars: []string{"nope=1"}}))
	var b strings.Builder
	if err := WriteDiagnostics(&b, files, diags, false, 60); err != nil {
		t.Fatal(err)
	}
	want := `Error: Value for undeclared variable

--var sets "nope", but no variable "nope" is declared in the
spec. Declare it with a variable "nope" {} block, or remove
the option.

Error: Invalid Microsoft domain

  on main.ferry.hcl:6:22, in subscription "m365":
  6:   microsoft_domain = "contoso.com"
                          ^^^^^^^^^^^^^

"contoso.com" does not end in .onmicrosoft.com; want the
customer's initial domain, e.g. contoso.onmicrosoft.com.

`
	if got := b.String(); got != want {
		t.Errorf("WriteDiagnostics:\n%s\nwant:\n%s", got, want)
	}

	b.Reset()
	if err := WriteDiagnostics(&b, files, diags[1:], true, 0); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, frag := range []string{ansiBoldRed + "Error:" + ansiReset, ansiUnderline + `"contoso.com"` + ansiReset} {
		if !strings.Contains(got, frag) {
			t.Errorf("colour output lacks %q:\n%q", frag, got)
		}
	}
	if strings.Contains(got, "^") {
		t.Errorf("colour output has a caret line:\n%s", got)
	}
}

func TestWriteDiagnosticsNoFiles(t *testing.T) {
	_, _, diags := LoadSources("testdata", map[string][]byte{"main.ferry.hcl": []byte("ferry {\n  parallelism = 0\n}\n")}, withTable(Options{}))
	var b strings.Builder
	if err := WriteDiagnostics(&b, nil, diags, false, 0); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "on main.ferry.hcl:2:17:") {
		t.Errorf("output:\n%s", b.String())
	}
}

func TestWrap(t *testing.T) {
	cases := []struct {
		in    string
		width int
		want  string
	}{
		{"a b c", 0, "a b c"},
		{"aaa bbb ccc", 7, "aaa bbb\nccc"},
		{"toolongword x", 4, "toolongword\nx"},
		{"a\nb c", 3, "a\nb c"},
	}
	for _, tc := range cases {
		if got := wrap(tc.in, tc.width); got != tc.want {
			t.Errorf("wrap(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
}
