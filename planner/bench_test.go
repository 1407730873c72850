package planner

import (
	"context"
	"fmt"
	"testing"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/state"
)

// BenchmarkMakeNoChanges plans N instances that are all in state (the no-change plan that OpenTofu
// takes O(N²) for): the planner's own cost, with a provider that answers at once.
func BenchmarkMakeNoChanges(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			st := memState{res: map[string]*state.Resource{}}
			insts := make([]model.Instance, n)
			for i := range insts {
				a := fmt.Sprintf(`subscription.m365["%08d"]`, i)
				insts[i] = inst(a)
				st.res[a] = &state.Resource{Addr: a, Kind: "subscription", Provider: "fake", Status: "migrated"}
			}
			addrs := st.Addrs()
			fixed := fixedAddrs{memState: st, addrs: addrs}
			in := Input{Instances: insts, Providers: map[string]providers.Provider{"fake": &planFake{}}}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p, diags := Make(context.Background(), in, fixed)
				if diags.HasErrors() || p.Summary().Unchanged != n {
					b.Fatal(diags, p.Summary())
				}
			}
		})
	}
}

// fixedAddrs serves pre-sorted addresses (memState sorts naively, which is not what is measured).
type fixedAddrs struct {
	memState
	addrs []string
}

func (f fixedAddrs) Addrs() []string { return f.addrs }
