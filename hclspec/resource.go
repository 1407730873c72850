package hclspec

import (
	"maps"
	"runtime"
	"sync"

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
	if len(l.ranges) == 0 && len(l.blockOf) == 0 {
		l.ranges = make(map[model.Addr]map[string]hcl.Range, len(iters))
		l.blockOf = make(map[model.Addr]*resourceBlock, len(iters))
	}
	if out, ok := l.evalInstancesParallel(k, rb, iters); ok {
		return out
	}
	return l.evalInstances(k, rb, iters)
}

// evalInstances evaluates the instances of a block, one iteration each (a nil iteration for a
// block without for_each), and records where each set its arguments.
func (l *loader) evalInstances(k *kindSpec, rb *resourceBlock, iters []*eachVal) []model.Instance {
	out := make([]model.Instance, 0, len(iters))
	// The context (var, local, functions) is built once for the block; each instance adds each.
	base := l.scope.ctx(nil)
	// The instances of a block set the same arguments in the same places, so they share one map
	// of ranges (read-only): each instance fills scratch, which is kept only when it differs.
	var shared, scratch map[string]hcl.Range
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

// parallelMinInstances is the size of a block from which its instances are evaluated on several
// goroutines (a plan of 100 000 subscriptions spent two seconds here on one core).
const parallelMinInstances = 4096

// evalInstancesParallel evaluates a large block's instances in chunks on several goroutines, each
// with a loader of its own (diagnostics, ranges, secrets). It is speculative: a chunk that met a
// diagnostic or a sensitive value makes it give up (ok false), and the block is evaluated again
// one instance at a time, so that what is reported, and for which instance first, is exactly what
// the sequential evaluation reports. Instances keep their order.
func (l *loader) evalInstancesParallel(k *kindSpec, rb *resourceBlock, iters []*eachVal) ([]model.Instance, bool) {
	workers := min(runtime.GOMAXPROCS(0), 8)
	if len(iters) < parallelMinInstances || workers < 2 || len(l.diags) > 0 {
		return nil, false
	}
	l.scope.ctx(nil) // builds the shared base context once, before the goroutines read it
	chunk := (len(iters) + workers - 1) / workers
	shadows := make([]*loader, 0, workers)
	results := make([][]model.Instance, 0, workers)
	var wg sync.WaitGroup
	for start := 0; start < len(iters); start += chunk {
		part := iters[start:min(start+chunk, len(iters))]
		sh := *l
		sh.diags, sh.seen = nil, map[string]bool{}
		sc := *l.scope // its reference-check cache is per goroutine; the values are read only
		sc.refsOK = nil
		sh.scope = &sc
		sh.files = &Files{parser: l.files.parser}
		sh.ranges = make(map[model.Addr]map[string]hcl.Range, len(part))
		sh.blockOf = make(map[model.Addr]*resourceBlock, len(part))
		sh.entryRanges = map[model.Addr][]hcl.Range{}
		shadows = append(shadows, &sh)
		results = append(results, nil)
		i := len(results) - 1
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = sh.evalInstances(k, rb, part)
		}()
	}
	wg.Wait()
	for _, sh := range shadows {
		if len(sh.diags) > 0 || len(sh.seen) > 0 || len(sh.files.sensitive) > 0 {
			return nil, false
		}
	}
	out := make([]model.Instance, 0, len(iters))
	for i, sh := range shadows {
		maps.Copy(l.ranges, sh.ranges)
		maps.Copy(l.blockOf, sh.blockOf)
		maps.Copy(l.entryRanges, sh.entryRanges)
		out = append(out, results[i]...)
	}
	return out, true
}

// defaultProvider is the first provider of the table that serves kind ("" when none does).
func (l *loader) defaultProvider(kind string) string {
	if names := l.opts.Providers.Serving(kind); len(names) > 0 {
		return names[0]
	}
	return ""
}
