package hclspec

import (
	"regexp"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// TestEachAttrAgreesWithHCL checks that eachAttr returns what the HCL evaluator returns, and
// leaves to it every expression and value it does not handle.
func TestEachAttrAgreesWithHCL(t *testing.T) {
	row := cty.ObjectVal(map[string]cty.Value{
		"id":     cty.StringVal("a"),
		"n":      cty.NumberIntVal(3),
		"null":   cty.NullVal(cty.String),
		"nested": cty.ObjectVal(map[string]cty.Value{"x": cty.StringVal("y")}),
		"secret": cty.StringVal("s").Mark(markSensitive),
		"nobj":   cty.NullVal(cty.Object(map[string]cty.Type{"x": cty.String})),
		"unk":    cty.UnknownVal(cty.Object(map[string]cty.Type{"x": cty.String})),
	})
	values := map[string]cty.Value{
		"object": row,
		"map":    cty.MapVal(map[string]cty.Value{"id": cty.StringVal("a")}),
		"string": cty.StringVal("k"),
		"marked": row.Mark(markSensitive),
	}
	exprs := []string{`each.key`, `each.value`, `each.value.id`, `each.value.n`, `each.value.null`, `each.value.nested.x`,
		`each.value.secret`, `each.value.nobj.x`, `each.value.unk.x`, `each.value.missing`, `each.value["id"]`, `each.key.x`,
		`each`, `each.other`, `var.x`, `"${each.key}"`, `tonumber(each.value.n)`}
	base := &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{"x": cty.True})}}
	for name, v := range values {
		each := &eachVal{Key: "k", Value: v}
		ctx := withEach(base, each)
		for _, src := range exprs {
			expr, diags := hclsyntax.ParseExpression([]byte(src), "t.hcl", hcl.InitialPos)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			got, ok := eachAttr(expr, each)
			if !ok {
				continue
			}
			want, diags := expr.Value(ctx)
			if diags.HasErrors() {
				t.Errorf("%s over %s: eachAttr gave %#v where HCL fails: %v", src, name, got, diags)
				continue
			}
			if !got.RawEquals(want) {
				t.Errorf("%s over %s: eachAttr = %#v, HCL = %#v", src, name, got, want)
			}
		}
	}
	if _, ok := eachAttr(mustParse(t, `each.value.id`), &eachVal{Key: "k", Value: row}); !ok {
		t.Error("eachAttr does not take each.value.<attr> of an object")
	}
}

func mustParse(t *testing.T, src string) hcl.Expression {
	t.Helper()
	expr, diags := hclsyntax.ParseExpression([]byte(src), "t.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return expr
}

func TestWhollyKnownAgreesWithCty(t *testing.T) {
	obj := func(v cty.Value) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{"a": cty.StringVal("x"), "b": v})
	}
	for _, v := range []cty.Value{
		cty.StringVal("x"), cty.UnknownVal(cty.String), cty.NullVal(cty.String), cty.DynamicVal,
		obj(cty.True), obj(cty.UnknownVal(cty.Bool)), obj(cty.NullVal(cty.Bool)), obj(cty.True).Mark(markSensitive),
		obj(cty.UnknownVal(cty.Bool).Mark(markSensitive)),
		cty.MapVal(map[string]cty.Value{"k": obj(cty.True), "l": obj(cty.False)}),
		cty.MapVal(map[string]cty.Value{"k": obj(cty.True), "l": obj(cty.UnknownVal(cty.Bool))}),
		cty.TupleVal([]cty.Value{cty.True, obj(cty.UnknownVal(cty.Bool))}),
		cty.ListVal([]cty.Value{obj(cty.True)}), cty.SetVal([]cty.Value{cty.StringVal("a")}),
		cty.UnknownVal(cty.Map(cty.String)), cty.NullVal(cty.Object(map[string]cty.Type{"a": cty.String})),
		cty.EmptyObjectVal,
	} {
		if got, want := whollyKnown(v), v.IsWhollyKnown(); got != want {
			t.Errorf("whollyKnown(%#v) = %v, want %v", v, got, want)
		}
	}
}

// FuzzIDChecks checks isGUID and isDNSLabel against the regular expressions they replace.
func FuzzIDChecks(f *testing.F) {
	guidRE := regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	dnsLabelRE := regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
	for _, s := range []string{"5c1f2b7e-3a4d-4e5f-8a9b-0c1d2e3f4a5b", "5C1F2B7E-3A4D-4E5F-8A9B-0C1D2E3F4A5B", "5c1f2b7e-3a4d-4e5f-8a9b-0c1d2e3f4a5b\n",
		" 5c1f2b7e-3a4d-4e5f-8a9b-0c1d2e3f4a5", "5c1f2b7e3a4d-4e5f-8a9b-0c1d2e3f4a5b-", "contoso", "a", "-a", "a-", "a-b", "", "é",
		"a234567890123456789012345678901234567890123456789012345678901234"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isGUID(s), guidRE.MatchString(s); got != want {
			t.Errorf("isGUID(%q) = %v, want %v", s, got, want)
		}
		if got, want := isDNSLabel(s), dnsLabelRE.MatchString(s); got != want {
			t.Errorf("isDNSLabel(%q) = %v, want %v", s, got, want)
		}
	})
}
