package hclspec

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ferry-dev/ferry/model"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// scope holds what expressions can refer to: var.*, local.*, each.* and the functions.
type scope struct {
	funcs    map[string]function.Function
	declared map[string]bool // variable names
	locals   map[string]bool // local names
	vars     map[string]cty.Value
	localVal map[string]cty.Value
	// refsOK holds the expressions whose references checkRefs found valid (with or without each):
	// the expression of a block with for_each is checked once, not once per instance.
	refsOK map[refsKey]bool
	// base is the context of every local and variable, built once the locals are evaluated (ctx);
	// nil until then.
	base *hcl.EvalContext
	// varObj is the object of the variables, built on the first ctxFor.
	varObj cty.Value
}

type refsKey struct {
	expr      hclsyntax.Expression
	allowEach bool
}

// eachVal is the iteration of a for_each instance.
type eachVal struct {
	Key   string
	Value cty.Value
	// keyVal is Key as a string value when the for_each value had it (a string value is
	// normalized when made, so it is not made again for every instance); NilVal otherwise.
	keyVal cty.Value
}

// key returns each.key as a value.
func (e *eachVal) key() cty.Value {
	if e.keyVal != cty.NilVal {
		return e.keyVal
	}
	return cty.StringVal(e.Key)
}

// ctx returns the evaluation context; each is nil outside for_each instances. The object of all
// locals is built once, on the first call: call ctx only once every local is evaluated (the
// locals themselves are evaluated with ctxFor).
func (s *scope) ctx(each *eachVal) *hcl.EvalContext {
	if s.base == nil {
		s.base = &hcl.EvalContext{Variables: map[string]cty.Value{
			"var":   cty.ObjectVal(s.vars),
			"local": cty.ObjectVal(s.localVal),
		}, Functions: s.funcs}
	}
	return withEach(s.base, each)
}

// ctxFor returns a context for expr that holds only the locals expr refers to, so that evaluating
// n locals costs O(n) rather than building the object of all locals n times (O(n²)).
func (s *scope) ctxFor(expr hcl.Expression) *hcl.EvalContext {
	locals := map[string]cty.Value{}
	for _, trav := range expr.Variables() {
		if trav.RootName() != "local" || len(trav) < 2 {
			continue
		}
		if a, ok := trav[1].(hcl.TraverseAttr); ok {
			if v, ok := s.localVal[a.Name]; ok {
				locals[a.Name] = v
			}
		}
	}
	if s.varObj == cty.NilVal {
		s.varObj = cty.ObjectVal(s.vars)
	}
	return &hcl.EvalContext{Variables: map[string]cty.Value{
		"var":   s.varObj,
		"local": cty.ObjectVal(locals),
	}, Functions: s.funcs}
}

// withEach returns the context of one for_each instance: a child of base (var, local and the
// functions, built once per block) that holds only each. It returns base when each is nil.
func withEach(base *hcl.EvalContext, each *eachVal) *hcl.EvalContext {
	if each == nil {
		return base
	}
	c := base.NewChild()
	c.Variables = map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": each.key(), "value": each.Value})}
	return c
}

// eachAttr evaluates each.key and each.value or each.value.<attr>… (the arguments of a block driven
// by a CSV) without the HCL evaluator, which is a large part of a big spec's load. ok is false for
// any other expression, and for a traversal that meets anything but known, non-null, unmarked
// objects on its way (the evaluator then reports or converts exactly as it does). Where ok is true
// the value is the one the evaluator returns.
func eachAttr(expr hcl.Expression, each *eachVal) (cty.Value, bool) {
	e, isTrav := expr.(*hclsyntax.ScopeTraversalExpr)
	if each == nil || !isTrav || len(e.Traversal) < 2 || e.Traversal.RootName() != "each" {
		return cty.NilVal, false
	}
	attr, isAttr := e.Traversal[1].(hcl.TraverseAttr)
	switch {
	case !isAttr:
		return cty.NilVal, false
	case attr.Name == "key" && len(e.Traversal) == 2:
		return each.key(), true
	case attr.Name != "value":
		return cty.NilVal, false
	}
	v := each.Value
	for _, step := range e.Traversal[2:] {
		a, isAttr := step.(hcl.TraverseAttr)
		if !isAttr || v.IsMarked() || !v.IsKnown() || v.IsNull() || !v.Type().IsObjectType() || !v.Type().HasAttribute(a.Name) {
			return cty.NilVal, false
		}
		v = v.GetAttr(a.Name)
	}
	if v.IsMarked() {
		return cty.NilVal, false
	}
	return v, true
}

// checkRefs reports references that cannot be resolved: undeclared variables or locals, each
// outside for_each, and references to resources (allowed only in depends_on).
func (s *scope) checkRefs(expr hcl.Expression, allowEach bool) hcl.Diagnostics {
	// Native syntax expressions are pointers to their AST nodes, so they can key the cache.
	key, cacheable := refsKey{allowEach: allowEach}, false
	if e, ok := expr.(hclsyntax.Expression); ok {
		key.expr, cacheable = e, true
		if s.refsOK[key] {
			return nil
		}
	}
	diags := s.checkRefsOnce(expr, allowEach)
	if cacheable && !diags.HasErrors() {
		if s.refsOK == nil {
			s.refsOK = map[refsKey]bool{}
		}
		s.refsOK[key] = true
	}
	return diags
}

func (s *scope) checkRefsOnce(expr hcl.Expression, allowEach bool) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, trav := range expr.Variables() {
		rng := trav.SourceRange()
		bad := func(summary, format string, args ...any) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rangePtr(rng)})
		}
		root := trav.RootName()
		var attr string
		if len(trav) > 1 {
			if a, ok := trav[1].(hcl.TraverseAttr); ok {
				attr = a.Name
			}
		}
		if model.LookupKind(root) != nil {
			bad("Resource references are not allowed here", "A resource can only be referenced in depends_on, e.g. depends_on = [%s.<name>]; its attributes are not values in the spec.", root)
			continue
		}
		switch root {
		case "var":
			if attr == "" {
				bad("Invalid reference", "Refer to an input variable as var.<name>.")
			} else if !s.declared[attr] {
				bad("Reference to undeclared input variable", "An input variable named %q is not declared. Declare it with a variable %q {} block.%s", attr, attr, suggest(attr, s.declared))
			}
		case "local":
			if attr == "" {
				bad("Invalid reference", "Refer to a local value as local.<name>.")
			} else if !s.locals[attr] {
				bad("Reference to undeclared local value", "A local value named %q is not declared. Declare it in a locals {} block.%s", attr, suggest(attr, s.locals))
			}
		case "each":
			if !allowEach {
				bad("each is not available here", "each.key and each.value can only be used inside a %s block that has for_each.", model.KindList("or"))
			} else if attr != "key" && attr != "value" {
				bad("Invalid each attribute", "each has only two attributes: each.key and each.value.")
			}
		default:
			bad("Unknown variable", "There is no variable named %q. Expressions may refer to var.<name>, local.<name>, and, in blocks with for_each, each.key and each.value.", root)
		}
	}
	return diags
}

// suggest returns " Did you mean …?" for a close name, or "".
func suggest(name string, names map[string]bool) string {
	var best string
	bestDist := 3
	keys := make([]string, 0, len(names))
	for k := range names {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if d := editDistance(strings.ToLower(name), strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" Did you mean %q?", best)
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
