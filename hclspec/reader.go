package hclspec

import (
	"fmt"
	"math/big"

	"github.com/ferry-dev/ferry/model"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// attrReader evaluates the arguments of one block body for one instance and checks them.
type attrReader struct {
	l         *loader
	attrs     hcl.Attributes
	ctx       *hcl.EvalContext
	allowEach bool
	each      *eachVal   // the instance's iteration, for eachAttr; nil without for_each
	inst      model.Addr // set for instances of blocks with for_each, named in details
	ranges    map[string]hcl.Range
	prefix    string // prefix of range keys, e.g. "addon[0]."
	// sensitiveOK accepts values computed from sensitive variables (provider blocks): they are
	// unmarked and registered for redaction. Elsewhere such a value is refused.
	sensitiveOK bool
	// unknownIsError reports an argument whose value is not known (it depends on a variable
	// without a value, or a local with an error) at the argument: the ferry block's settings say
	// where the state is, so an unknown one must not fall back to the default in silence.
	unknownIsError bool
}

// nested returns a reader for a nested block's body with the same context.
func (r *attrReader) nested(attrs hcl.Attributes, prefix string) *attrReader {
	c := *r
	c.attrs, c.prefix = attrs, r.prefix+prefix
	return &c
}

// problem reports an error about an instance's value once per (summary, place, detail).
func (r *attrReader) problem(rng hcl.Range, summary, detail string) {
	r.l.problem(rng, summary, detail, r.inst)
}

// problem reports an instance-level error. When inst is set the detail names it; the same problem
// at the same place is reported once, for the first instance that has it.
func (l *loader) problem(rng hcl.Range, summary, detail string, inst model.Addr) {
	key := fmt.Sprintf("%s|%s:%d-%d|%s", summary, rng.Filename, rng.Start.Byte, rng.End.Byte, detail)
	if l.seen[key] {
		return
	}
	l.seen[key] = true
	if inst != "" {
		detail = fmt.Sprintf("In %s: %s", inst, detail)
	}
	l.errorf(rangePtr(rng), summary, "%s", detail)
}

// value evaluates the argument name as type ty. ok is false when it is absent, null, unknown (an
// error was already reported) or invalid (reported here).
func (r *attrReader) value(name string, ty cty.Type) (cty.Value, hcl.Range, bool) {
	a := r.attrs[name]
	if a == nil {
		return cty.NilVal, hcl.Range{}, false
	}
	rng := a.Expr.Range()
	r.ranges[r.prefix+name] = rng
	if diags := r.l.scope.checkRefs(a.Expr, r.allowEach); diags.HasErrors() {
		r.l.diags = append(r.l.diags, diags...)
		return cty.NilVal, rng, false
	}
	val, fast := eachAttr(a.Expr, r.each)
	var diags hcl.Diagnostics
	if !fast {
		val, diags = a.Expr.Value(r.ctx)
	}
	r.l.fr.explainCSVRow(diags, r.ctx)
	r.l.diags = append(r.l.diags, diags...)
	if !diags.HasErrors() && !val.IsWhollyKnown() && r.unknownIsError {
		r.problem(rng, "Setting not known", fmt.Sprintf("The argument %q depends on a value that is not known "+
			"(a variable without a value, or a local with an error), so ferry cannot tell what it is; the default is not assumed.", name))
	}
	if diags.HasErrors() || !val.IsWhollyKnown() {
		return cty.NilVal, rng, false
	}
	if isSensitive(val) {
		if !r.sensitiveOK {
			r.l.registerSecrets(val, true)
			r.problem(rng, "Sensitive value in a resource argument", sensitiveDetail(r.prefix+name))
			return cty.NilVal, rng, false
		}
		r.l.registerSecrets(val, true)
		val, _ = val.UnmarkDeep()
	}
	if val.IsNull() {
		return val, rng, false
	}
	conv, err := convert.Convert(val, ty)
	if err != nil {
		r.problem(rng, "Incorrect attribute value type", fmt.Sprintf("Inappropriate value for argument %q: %s.", name, err))
		return cty.NilVal, rng, false
	}
	if conv.IsNull() {
		return conv, rng, false
	}
	return conv, rng, true
}

// isNull reports whether the argument is present and evaluated to null.
func isNull(v cty.Value) bool { return v != cty.NilVal && v.IsNull() }

// str reads a string argument and runs checks on it. A required argument set to null is reported.
func (r *attrReader) str(name string, required bool, checks ...check) (string, hcl.Range, bool) {
	v, rng, ok := r.value(name, cty.String)
	if !ok {
		if required && isNull(v) {
			r.problem(rng, "Missing required argument", fmt.Sprintf("The argument %q is required, but its value is null.", name))
		}
		return "", rng, false
	}
	s := v.AsString()
	for _, c := range checks {
		if p := c.Problem(s); p != "" {
			r.problem(rng, c.Summary, p)
			return s, rng, false
		}
	}
	return s, rng, true
}

// boolean reads a bool argument, def when absent or null.
func (r *attrReader) boolean(name string, def bool) bool {
	v, _, ok := r.value(name, cty.Bool)
	if !ok {
		return def
	}
	return v.True()
}

// integer reads a whole-number argument of at least minimum; nil when absent, null or invalid.
func (r *attrReader) integer(name string, minimum int) *int {
	v, rng, ok := r.value(name, cty.Number)
	if !ok {
		return nil
	}
	bf := v.AsBigFloat()
	i, acc := bf.Int64()
	if acc != big.Exact || !bf.IsInt() || i > 1<<31 || i < -(1<<31) {
		r.problem(rng, "Invalid "+name, fmt.Sprintf("%s must be a whole number, not %s.", name, bf.Text('g', 10)))
		return nil
	}
	if int(i) < minimum {
		r.problem(rng, "Invalid "+name, fmt.Sprintf("%s must be at least %d, not %d.", name, minimum, i))
		return nil
	}
	n := int(i)
	return &n
}

// stringList reads a list of strings and the range of each element (the element's own range
// when the value is written as a list literal, else the whole value's).
func (r *attrReader) stringList(name string, required bool) ([]string, []hcl.Range, bool) {
	v, rng, ok := r.value(name, cty.List(cty.String))
	if !ok {
		if required && isNull(v) {
			r.problem(rng, "Missing required argument", fmt.Sprintf("The argument %q is required, but its value is null.", name))
		}
		return nil, nil, false
	}
	var elems []hclsyntax.Expression
	if tup, isTup := r.attrs[name].Expr.(*hclsyntax.TupleConsExpr); isTup {
		elems = tup.Exprs
	}
	var out []string
	var ranges []hcl.Range
	i := 0
	for it := v.ElementIterator(); it.Next(); i++ {
		_, e := it.Element()
		er := rng
		if len(elems) == v.LengthInt() {
			er = elems[i].Range()
		}
		if e.IsNull() {
			r.problem(er, "Invalid "+name, fmt.Sprintf("The elements of %s must not be null.", name))
			return nil, nil, false
		}
		out = append(out, e.AsString())
		ranges = append(ranges, er)
		r.ranges[fmt.Sprintf("%s%s[%d]", r.prefix, name, i)] = er
	}
	return out, ranges, true
}
