package hclspec

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/ferry-dev/ferry/model"
)

// evalResource evaluates one resource block into its instances, by its kind's row of the table.
func (l *loader) evalResource(rb *resourceBlock) []model.Instance {
	k := l.kind(rb.Kind)
	if k == nil {
		return nil // the decoder admits only the kinds of the table
	}
	iters, ok := l.expandForEach(rb)
	if !ok {
		return nil
	}
	out := make([]model.Instance, 0, len(iters))
	for _, each := range iters {
		inst := model.Instance{Kind: rb.Kind, DeclRange: rb.DeclRange}
		r := &attrReader{l: l, attrs: rb.Attrs, ctx: l.scope.ctx(each), allowEach: each != nil, ranges: map[string]hcl.Range{}}
		if each != nil {
			inst.Addr = model.MakeAddr(rb.Kind, rb.Name, each.Key, true)
			r.inst = inst.Addr
		} else {
			inst.Addr = model.MakeAddr(rb.Kind, rb.Name, "", false)
		}
		l.ranges[inst.Addr] = r.ranges
		if k.providerAttr == "" {
			inst.Provider = l.defaultProvider(k.name)
		}
		k.eval(l, r, rb, &inst)
		l.blockOf[inst.Addr] = rb
		out = append(out, inst)
	}
	return out
}

// defaultProvider is the first provider of the table that serves kind ("" when none does).
func (l *loader) defaultProvider(kind string) string {
	if names := l.opts.Providers.Serving(kind); len(names) > 0 {
		return names[0]
	}
	return ""
}
