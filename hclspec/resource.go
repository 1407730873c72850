package hclspec

import (
	"maps"

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
	// The context (var, local, functions) is built once for the block; each instance adds each.
	base := l.scope.ctx(nil)
	// The instances of a block set the same arguments in the same places, so they share one map
	// of ranges (read-only): each instance fills scratch, which is kept only when it differs.
	var shared, scratch map[string]hcl.Range
	if len(l.ranges) == 0 && len(l.blockOf) == 0 {
		l.ranges = make(map[model.Addr]map[string]hcl.Range, len(iters))
		l.blockOf = make(map[model.Addr]*resourceBlock, len(iters))
	}
	for _, each := range iters {
		inst := model.Instance{Kind: rb.Kind, DeclRange: rb.DeclRange}
		if scratch == nil {
			scratch = map[string]hcl.Range{}
		}
		r := &attrReader{l: l, attrs: rb.Attrs, ctx: withEach(base, each), allowEach: each != nil, each: each, ranges: scratch}
		if each != nil {
			inst.Addr = model.MakeAddr(rb.Kind, rb.Name, each.Key, true)
			r.inst = inst.Addr
		} else {
			inst.Addr = model.MakeAddr(rb.Kind, rb.Name, "", false)
		}
		if k.providerAttr == "" {
			inst.Provider = l.defaultProvider(k.name)
		}
		k.eval(l, r, rb, &inst)
		ranges := scratch
		switch {
		case shared == nil:
			shared, scratch = scratch, nil
		case maps.Equal(shared, scratch):
			ranges = shared
			clear(scratch)
		default:
			scratch = nil
		}
		l.ranges[inst.Addr] = ranges
		if inst.Subscription != nil {
			inst.Subscription.Ranges = ranges
		}
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
