package hclspec

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// evalLocals evaluates the locals in dependency order. A local whose evaluation fails (or that is
// part of a cycle) becomes unknown, so that what uses it reports nothing more.
func (l *loader) evalLocals(locals []*hcl.Attribute) {
	byName := make(map[string]*hcl.Attribute, len(locals))
	for _, a := range locals {
		byName[a.Name] = a
		l.scope.localVal[a.Name] = cty.DynamicVal
	}
	const (
		unvisited = iota
		visiting
		done
	)
	stateOf := map[string]int{}
	var stack []string
	var visit func(a *hcl.Attribute)
	visit = func(a *hcl.Attribute) {
		switch stateOf[a.Name] {
		case done:
			return
		case visiting:
			i := len(stack) - 1
			for i > 0 && stack[i] != a.Name {
				i--
			}
			cycle := append(append([]string{}, stack[i:]...), a.Name)
			l.errorf(rangePtr(a.NameRange), "Cycle in local values",
				"The local values refer to each other in a cycle: local.%s. Break the cycle so that each value can be computed from the others.",
				strings.Join(cycle, " → local."))
			return
		}
		stateOf[a.Name] = visiting
		stack = append(stack, a.Name)
		refsOK := true
		if diags := l.scope.checkRefs(a.Expr, false); diags.HasErrors() {
			l.diags = append(l.diags, diags...)
			refsOK = false
		}
		for _, trav := range a.Expr.Variables() {
			if trav.RootName() != "local" || len(trav) < 2 {
				continue
			}
			if attr, ok := trav[1].(hcl.TraverseAttr); ok {
				if dep := byName[attr.Name]; dep != nil {
					if stateOf[dep.Name] == visiting {
						refsOK = false
					}
					visit(dep)
				}
			}
		}
		stack = stack[:len(stack)-1]
		if refsOK && stateOf[a.Name] == visiting {
			val, diags := a.Expr.Value(l.scope.ctxFor(a.Expr))
			l.diags = append(l.diags, diags...)
			if !diags.HasErrors() {
				l.scope.localVal[a.Name] = val
				l.registerSecrets(val, true)
			}
		}
		stateOf[a.Name] = done
	}
	for _, a := range locals {
		visit(a)
	}
}
