package hclspec

import (
	"fmt"
	"sort"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// expandForEach evaluates a block's for_each into its iterations, sorted by key. ok is false when
// for_each is invalid (reported). A block without for_each has one iteration, nil.
func (l *loader) expandForEach(rb *resourceBlock) ([]*eachVal, bool) {
	if rb.ForEach == nil {
		return []*eachVal{nil}, true
	}
	expr := rb.ForEach.Expr
	rng := expr.Range()
	bad := func(summary, format string, args ...any) ([]*eachVal, bool) {
		l.errorf(rangePtr(rng), summary, format, args...)
		return nil, false
	}
	if diags := l.scope.checkRefs(expr, false); diags.HasErrors() {
		l.diags = append(l.diags, diags...)
		return nil, false
	}
	val, diags := expr.Value(l.scope.ctx(nil))
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() || !whollyKnown(val) {
		return nil, false
	}
	if val.IsNull() {
		return bad("Invalid for_each argument", "for_each must be a map or a set of strings, not null.")
	}
	// A marked collection has marked keys (a set's element marks move to the set); the values of
	// an unmarked map may be marked and stay so in each.value, refused where an argument uses them.
	unmarked, marks := val.Unmark()
	if marks.Has(markSensitive) {
		l.registerSecrets(val, true)
		return bad("Sensitive value in a resource argument", "%s", sensitiveDetail("for_each (the instance keys)"))
	}
	val = unmarked
	ty := val.Type()
	var out []*eachVal
	switch {
	case ty.IsMapType() || ty.IsObjectType():
		for it := val.ElementIterator(); it.Next(); {
			k, v := it.Element()
			out = append(out, &eachVal{Key: k.AsString(), keyVal: k, Value: v})
		}
	case ty.IsSetType():
		for it := val.ElementIterator(); it.Next(); {
			_, v := it.Element()
			if v.IsNull() {
				return bad("Invalid for_each argument", "The for_each set has a null element; every element must be a string.")
			}
			s, err := convert.Convert(v, cty.String)
			if err != nil {
				return bad("Invalid for_each argument", "for_each over a set needs a set of strings, not a set of %s. Use a map instead, e.g. { for r in rows : r.id => r }.", ty.ElementType().FriendlyName())
			}
			out = append(out, &eachVal{Key: s.AsString(), keyVal: s, Value: s})
		}
	case ty.IsListType() || ty.IsTupleType():
		return bad("Invalid for_each argument",
			"for_each needs a map or a set of strings, not a %s (a list has no stable keys). Use toset(…) for a list of strings, or a map such as { for r in rows : r.id => r }.",
			friendly(ty))
	default:
		return bad("Invalid for_each argument", "for_each needs a map or a set of strings, not a %s.", friendly(ty))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, true
}

// friendly names a type for diagnostics.
func friendly(ty cty.Type) string {
	switch {
	case ty.IsTupleType():
		return "tuple (list literal)"
	case ty.IsListType():
		return "list"
	}
	return fmt.Sprint(ty.FriendlyName())
}

// whollyKnown is cty's Value.IsWhollyKnown without its cost on large collections of objects: it
// visits an object's attributes by name instead of through an element iterator (which sorts the
// names and allocates for every object, i.e. for every row of a CSV). The answer is the same.
func whollyKnown(v cty.Value) bool {
	if v.IsMarked() {
		v, _ = v.Unmark()
	}
	switch {
	case !v.IsKnown():
		return false
	case v.IsNull():
		return true
	case v.Type().IsObjectType():
		for name := range v.Type().AttributeTypes() {
			if !whollyKnown(v.GetAttr(name)) {
				return false
			}
		}
		return true
	case v.CanIterateElements():
		for it := v.ElementIterator(); it.Next(); {
			if _, e := it.Element(); !whollyKnown(e) {
				return false
			}
		}
	}
	return true
}
