package hclspec

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/ferry-dev/ferry/providers"
)

// evalResource evaluates one resource block into its instances.
func (l *loader) evalResource(rb *resourceBlock) []providers.Instance {
	iters, ok := l.expandForEach(rb)
	if !ok {
		return nil
	}
	out := make([]providers.Instance, 0, len(iters))
	for _, each := range iters {
		inst := providers.Instance{Kind: rb.Kind, DeclRange: rb.DeclRange}
		r := &attrReader{l: l, attrs: rb.Attrs, ctx: l.scope.ctx(each), allowEach: each != nil, ranges: map[string]hcl.Range{}}
		if each != nil {
			inst.Addr = MakeAddr(rb.Kind, rb.Name, each.Key, true)
			r.inst = inst.Addr
		} else {
			inst.Addr = MakeAddr(rb.Kind, rb.Name, "", false)
		}
		switch rb.Kind {
		case blockSubscription:
			inst.Subscription = l.evalSubscription(r, rb)
			inst.Provider = inst.Subscription.Via
		case blockSkipList:
			inst.SkipList, l.entryRanges[inst.Addr] = l.evalSkipList(r)
			inst.Provider = providerConnect
		case blockCutover:
			inst.Cutover = l.evalCutover(r)
			inst.Provider = providerMGN
		}
		l.ranges[inst.Addr] = r.ranges
		l.blockOf[inst.Addr] = rb
		out = append(out, inst)
	}
	return out
}
