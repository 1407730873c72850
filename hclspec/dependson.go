package hclspec

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ferry-dev/ferry/model"
	"github.com/hashicorp/hcl/v2"
)

// expandDependsOn resolves every block's depends_on into instance addresses, sets them on the
// instances, and reports references to undeclared resources or instances, and cycles.
func (l *loader) expandDependsOn(cfg *Config, blocks map[string]*resourceBlock, instancesOf map[string][]model.Addr) {
	// edgeRange[from block][to addr] is where the dependency was written.
	deps := map[*resourceBlock][]model.Addr{}
	edgeRange := map[*resourceBlock]map[model.Addr]hcl.Range{}
	for _, rb := range sortedBlocks(blocks) {
		edgeRange[rb] = map[model.Addr]hcl.Range{}
		for _, ref := range rb.DependsOn {
			key := ref.Parts.Kind + "." + ref.Parts.Name
			target := blocks[key]
			if target == nil {
				l.errorf(rangePtr(ref.Range), "Reference to undeclared resource",
					"depends_on names %s, but no %s %q block is declared.%s", key, ref.Parts.Kind, ref.Parts.Name, suggest(key, blockKeys(blocks)))
				continue
			}
			var addrs []model.Addr
			switch {
			case !ref.Parts.HasKey:
				addrs = instancesOf[key]
			case target.ForEach == nil:
				l.errorf(rangePtr(ref.Range), "Unexpected instance key",
					"%s has no for_each, so it has no instance keys; refer to it as %s.", key, key)
				continue
			default:
				addr := ref.Parts.Addr()
				if cfg.Instance(addr) == nil {
					if len(instancesOf[key]) > 0 { // else for_each failed, already reported
						l.errorf(rangePtr(ref.Range), "Reference to undeclared instance",
							"depends_on names %s, but %s's for_each has no key %s.", addr, key, model.QuoteKey(ref.Parts.Key))
					}
					continue
				}
				addrs = []model.Addr{addr}
			}
			for _, a := range addrs {
				if _, dup := edgeRange[rb][a]; !dup {
					edgeRange[rb][a] = ref.Range
					deps[rb] = append(deps[rb], a)
				}
			}
		}
		sort.Slice(deps[rb], func(i, j int) bool { return deps[rb][i] < deps[rb][j] })
	}
	index := make(map[model.Addr]int, len(cfg.Instances))
	for i := range cfg.Instances {
		index[cfg.Instances[i].Addr] = i
	}
	for i := range cfg.Instances {
		if d := deps[l.blockOf[cfg.Instances[i].Addr]]; len(d) > 0 {
			cfg.Instances[i].DependsOn = append([]model.Addr(nil), d...)
		}
	}
	l.checkCycles(cfg, index, edgeRange)
}

// checkCycles reports each depends_on cycle once, at the reference that closes it.
func (l *loader) checkCycles(cfg *Config, index map[model.Addr]int, edgeRange map[*resourceBlock]map[model.Addr]hcl.Range) {
	const (
		white = iota
		grey
		black
	)
	color := make([]int, len(cfg.Instances))
	var stack []model.Addr
	var visit func(i int)
	visit = func(i int) {
		color[i] = grey
		inst := &cfg.Instances[i]
		stack = append(stack, inst.Addr)
		for _, dep := range inst.DependsOn {
			j, ok := index[dep]
			if !ok {
				continue
			}
			switch color[j] {
			case white:
				visit(j)
			case grey:
				k := len(stack) - 1
				for k > 0 && stack[k] != dep {
					k--
				}
				path := make([]string, 0, len(stack)-k+1)
				for _, a := range stack[k:] {
					path = append(path, string(a))
				}
				path = append(path, string(dep))
				rng := edgeRange[l.blockOf[inst.Addr]][dep]
				if key := "cycle|" + rng.String(); l.seen[key] {
					continue
				} else {
					l.seen[key] = true
				}
				l.problem(rng, "Dependency cycle",
					fmt.Sprintf("depends_on forms a cycle: %s. Remove one of these dependencies.", strings.Join(path, " → ")), "")
			}
		}
		stack = stack[:len(stack)-1]
		color[i] = black
	}
	for i := range cfg.Instances {
		if color[i] == white {
			visit(i)
		}
	}
}

// sortedBlocks returns the blocks sorted by kind.name.
func sortedBlocks(blocks map[string]*resourceBlock) []*resourceBlock {
	keys := make([]string, 0, len(blocks))
	for k := range blocks {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*resourceBlock, len(keys))
	for i, k := range keys {
		out[i] = blocks[k]
	}
	return out
}

// blockKeys returns the set of kind.name keys.
func blockKeys(blocks map[string]*resourceBlock) map[string]bool {
	out := make(map[string]bool, len(blocks))
	for k := range blocks {
		out[k] = true
	}
	return out
}
