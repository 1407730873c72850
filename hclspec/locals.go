package hclspec

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// evalLocals evaluates the locals in dependency order. A local whose evaluation fails (or that is
// part of a cycle) becomes unknown, so that what uses it reports nothing more.
func (l *loader) evalLocals(locals []*hcl.Attribute) {
	l.visitLocals(locals, nil)
}

// evalLocalsFor evaluates only the locals that roots refer to, directly or through other locals, in
// dependency order; the others stay unknown.
func (l *loader) evalLocalsFor(locals []*hcl.Attribute, roots []hcl.Expression) {
	if roots == nil {
		roots = []hcl.Expression{}
	}
	l.visitLocals(locals, roots)
}

// visitLocals evaluates the locals that roots refer to (every local when roots is nil).
func (l *loader) visitLocals(locals []*hcl.Attribute, roots []hcl.Expression) {
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
	if roots == nil {
		for _, a := range locals {
			visit(a)
		}
		return
	}
	for _, expr := range roots {
		for _, trav := range expr.Variables() {
			if trav.RootName() != "local" || len(trav) < 2 {
				continue
			}
			if attr, ok := trav[1].(hcl.TraverseAttr); ok {
				if a := byName[attr.Name]; a != nil {
					visit(a)
				}
			}
		}
	}
}
