package planner

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/state"
)

// StateReader is what the planner needs of the state; *state.Store satisfies it.
type StateReader interface {
	Lineage() string
	Serial() uint64
	Get(addr string) (*state.Resource, bool)
	Addrs() []string
}

// Input is everything a plan is made from.
type Input struct {
	// Instances are the evaluated resource instances of the spec.
	Instances []model.Instance
	// SpecHash identifies the spec and variable values (recorded in plan files).
	SpecHash string
	// Targets limit the plan to these addresses (and what they depend on); empty means everything.
	Targets []model.Addr
	// RefreshOnly plans record live objects in state and change nothing remote.
	RefreshOnly bool
	// Providers maps provider names to their implementations. The instances of a provider missing
	// here are planned as blocked, with its Unavailable reason.
	Providers map[string]providers.Provider
	// Unavailable says why a provider named by the spec cannot be used (e.g. not built yet).
	Unavailable map[string]string
	// OnRead, when set, is called once every provider has read the live state, before planning.
	OnRead func()
	// Now stamps the plan (nil: time.Now).
	Now func() time.Time
}

// Make reads live objects through the providers (batched per provider) and plans every instance.
// Diagnostics of one instance do not stop the others being planned.
func Make(ctx context.Context, in Input, st StateReader) (*Plan, hcl.Diagnostics) {
	now := time.Now
	if in.Now != nil {
		now = in.Now
	}
	insts := selectTargets(in.Instances, in.Targets)

	var diags hcl.Diagnostics
	// Each provider's requests are sized up front: a plan of 100 000 instances would otherwise
	// copy them over and over as the slices grow.
	perProvider := map[string]int{}
	for _, inst := range insts {
		perProvider[inst.Provider]++
	}
	byProvider := map[string][]providers.ReadRequest{}
	var order []string
	var unavailable []model.Change
	for _, inst := range insts {
		if _, ok := in.Providers[inst.Provider]; !ok {
			// Blocked, not an error: the instances of the providers that exist are still planned.
			reason := in.Unavailable[inst.Provider]
			if reason == "" {
				reason = fmt.Sprintf("the %s provider is not available; nothing is read or sent for this block "+
					"(remove it, or leave it out with --target)", inst.Provider)
			}
			unavailable = append(unavailable, model.Change{
				Addr: inst.Addr, Kind: inst.Kind, Provider: inst.Provider, Action: model.ActionBlocked,
				DependsOn: inst.DependsOn,
				Summary:   fmt.Sprintf("%s needs the %s provider", inst.Kind, inst.Provider),
				Reasons:   []string{reason},
			})
			continue
		}
		prior, _ := st.Get(string(inst.Addr))
		if _, seen := byProvider[inst.Provider]; !seen {
			order = append(order, inst.Provider)
			byProvider[inst.Provider] = make([]providers.ReadRequest, 0, perProvider[inst.Provider])
		}
		byProvider[inst.Provider] = append(byProvider[inst.Provider], providers.ReadRequest{Instance: inst, Prior: prior})
	}

	// Read every provider at once: providers batch inside, and different systems are independent.
	type readResult struct {
		live  map[model.Addr]providers.Live
		diags hcl.Diagnostics
	}
	results := make([]readResult, len(order))
	var wg sync.WaitGroup
	for i, name := range order {
		wg.Add(1)
		go func(i int, name string) {
			defer wg.Done()
			var live map[model.Addr]providers.Live
			var d hcl.Diagnostics
			if sr, ok := in.Providers[name].(providers.SpecReader); ok {
				live, d = sr.ReadSpec(ctx, byProvider[name], in.Instances)
			} else {
				live, d = in.Providers[name].Read(ctx, byProvider[name])
			}
			results[i] = readResult{live: live, diags: d}
		}(i, name)
	}
	wg.Wait()
	if in.OnRead != nil {
		in.OnRead()
	}

	p := &Plan{
		FormatVersion: FormatVersion,
		Lineage:       lineageOf(st),
		Serial:        st.Serial(),
		SpecHash:      in.SpecHash,
		CreatedAt:     now().UTC(),
		RefreshOnly:   in.RefreshOnly,
		Targets:       in.Targets,
		Changes:       make([]model.Change, 0, len(insts)),
	}
	failedRead := map[model.Addr]bool{}
	unreadable := map[model.Addr]bool{}
	for i, name := range order {
		diags = append(diags, results[i].diags...)
		for _, d := range results[i].diags {
			markFailed(failedRead, d, byProvider[name])
			if u, ok := d.Extra.(providers.Unreadable); ok && d.Severity == hcl.DiagError {
				for _, a := range u.Addrs {
					unreadable[a] = true
				}
			}
		}
		planned := planAll(in.Providers[name], byProvider[name], func(inst model.Instance) (providers.Live, bool) {
			if unreadable[inst.Addr] {
				return nil, false
			}
			live, ok := results[i].live[inst.Addr]
			return live, ok || !failedRead[inst.Addr]
		})
		for j, req := range byProvider[name] {
			inst := req.Instance
			if unreadable[inst.Addr] {
				p.Unreadable = append(p.Unreadable, inst.Addr)
				continue
			}
			if !planned[j].done {
				continue
			}
			ch, d := planned[j].change, planned[j].diags
			diags = append(diags, d...)
			if d.HasErrors() {
				// A provider may also find at plan time that an instance cannot be planned from what
				// was read (a migrate_from that names nothing): left out like an unread instance.
				// Any other error (an import that does not match the spec) keeps the instance in the
				// plan as blocked, with the provider's reasons when it gave a blocked change, so that
				// the plan neither drops it nor says every instance matches the spec.
				if errorIsUnreadable(d) || ch.Action != model.ActionBlocked {
					if !unreadable[inst.Addr] {
						unreadable[inst.Addr] = true
						p.Unreadable = append(p.Unreadable, inst.Addr)
					}
					continue
				}
			}
			ch.Addr, ch.Kind, ch.Provider = inst.Addr, inst.Kind, inst.Provider
			ch.DependsOn = inst.DependsOn
			if in.RefreshOnly {
				ch = refreshOnly(ch, req.Prior)
			}
			p.Changes = append(p.Changes, ch)
		}
	}

	if len(p.Changes) == 0 {
		p.Changes = nil // as before the slice was sized: a plan without changes has none
	}
	p.Changes = append(p.Changes, unavailable...)
	blockDependents(p.Changes, unreadable)
	if !in.RefreshOnly {
		p.Changes = append(p.Changes, forgotten(in.Instances, in.Targets, st)...)
	}
	sortChanges(p.Changes)
	return p, diags
}

// errorIsUnreadable reports whether one of the error diagnostics of d says its instance could not
// be read (providers.Unreadable).
func errorIsUnreadable(d hcl.Diagnostics) bool {
	for _, e := range d {
		if _, ok := e.Extra.(providers.Unreadable); ok && e.Severity == hcl.DiagError {
			return true
		}
	}
	return false
}

// plannedInstance is what a provider's Plan returned for one instance (done false: not planned).
type plannedInstance struct {
	change model.Change
	diags  hcl.Diagnostics
	done   bool
}

// parallelPlanMin is the number of instances from which planAll spreads Plan over every CPU: a
// plan of 100 000 subscriptions spends most of a second in it.
const parallelPlanMin = 4096

// planAll calls prov.Plan for every request that live says to plan (its live object and whether to
// plan it), on every CPU when there are many; the results are in the order of reqs. Plan makes no
// remote calls and changes nothing shared (the Provider contract), so the calls are independent.
func planAll(prov providers.Provider, reqs []providers.ReadRequest, live func(model.Instance) (providers.Live, bool)) []plannedInstance {
	out := make([]plannedInstance, len(reqs))
	planRange := func(from, to int) {
		for j := from; j < to; j++ {
			l, ok := live(reqs[j].Instance)
			if !ok {
				continue
			}
			ch, d := prov.Plan(reqs[j].Instance, reqs[j].Prior, l)
			out[j] = plannedInstance{change: ch, diags: d, done: true}
		}
	}
	workers := runtime.GOMAXPROCS(0)
	if len(reqs) < parallelPlanMin || workers < 2 {
		planRange(0, len(reqs))
		return out
	}
	var wg sync.WaitGroup
	chunk := (len(reqs) + workers - 1) / workers
	for from := 0; from < len(reqs); from += chunk {
		wg.Add(1)
		go func(from, to int) {
			defer wg.Done()
			planRange(from, to)
		}(from, min(from+chunk, len(reqs)))
	}
	wg.Wait()
	return out
}

// blockDependents blocks every change that depends, directly or not, on a blocked change or on an
// instance that could not be read: its dependency will not be reached, so neither can it. (A
// dependency that fails during apply is the executor's to handle: it skips what depends on it.)
func blockDependents(cs []model.Change, unreadable map[model.Addr]bool) {
	idx := make(map[model.Addr]int, len(cs))
	for i := range cs {
		idx[cs[i].Addr] = i
	}
	const (
		unknown = iota
		visiting
		done
	)
	mark := make([]int, len(cs))
	var visit func(i int) bool // reports whether cs[i] ends up blocked
	visit = func(i int) bool {
		switch mark[i] {
		case visiting: // a cycle (hclspec rejects them): do not loop
			return false
		case done:
			return cs[i].Action == model.ActionBlocked
		}
		mark[i] = visiting
		defer func() { mark[i] = done }()
		if cs[i].Action == model.ActionBlocked {
			return true
		}
		for _, d := range cs[i].DependsOn {
			if unreadable[d] && cs[i].Action != model.ActionNoop {
				cs[i].Action = model.ActionBlocked
				cs[i].Steps = nil
				cs[i].Reasons = append(cs[i].Reasons, fmt.Sprintf("it depends on %s, whose live state could not be read", d))
				return true
			}
			j, ok := idx[d]
			if !ok || !visit(j) {
				continue
			}
			if cs[i].Action != model.ActionNoop {
				cs[i].Action = model.ActionBlocked
				cs[i].Steps = nil
				cs[i].Reasons = append(cs[i].Reasons, fmt.Sprintf("it depends on %s, which is blocked", d))
				return true
			}
		}
		return false
	}
	for i := range cs {
		visit(i)
	}
}

// lineageOf is the state's lineage, or "" for a state that has never been written: its lineage is
// only fixed by the first write, so a plan made against it records "" and fits any new state.
func lineageOf(st StateReader) string {
	if st.Serial() == 0 {
		return ""
	}
	return st.Lineage()
}

// markFailed notes which instances a Read diagnostic is about (by the range of their block), so
// that they are left out of the plan rather than planned from missing data.
func markFailed(failed map[model.Addr]bool, d *hcl.Diagnostic, reqs []providers.ReadRequest) {
	if d.Severity != hcl.DiagError {
		return
	}
	for _, r := range reqs {
		if d.Subject != nil && *d.Subject == r.Instance.DeclRange {
			failed[r.Instance.Addr] = true
		}
	}
}

// refreshOnly turns a change into one that only records live objects in state. Only an instance the
// provider reports as already in its desired state (unchanged) is refreshed, and only when what is
// live differs from what the state holds; anything with work pending is left for a normal apply.
func refreshOnly(ch model.Change, prior *state.Resource) model.Change {
	noop := model.Change{Addr: ch.Addr, Kind: ch.Kind, Provider: ch.Provider, Action: model.ActionNoop, Summary: ch.Summary}
	if ch.Action != model.ActionNoop {
		noop.Summary = fmt.Sprintf("not refreshed: %s pending (%s)", ch.Action, ch.Summary)
		noop.Reasons = []string{fmt.Sprintf("%s pending: run a normal plan and apply", ch.Action)}
		return noop
	}
	if ch.State == nil || prior == nil || !refreshChanges(prior, ch.State) {
		return noop
	}
	var details []model.Detail
	for _, k := range sortedKeys(ch.State.Attributes) {
		if old, nw := prior.Attributes[k], ch.State.Attributes[k]; old != nw {
			details = append(details, model.Detail{Name: k, Old: old, New: nw})
		}
	}
	for _, k := range sortedKeys(ch.State.RemoteIDs) {
		if old, nw := prior.RemoteIDs[k], ch.State.RemoteIDs[k]; old != nw {
			details = append(details, model.Detail{Name: k, Old: old, New: nw})
		}
	}
	return model.Change{Addr: ch.Addr, Kind: ch.Kind, Provider: ch.Provider, Action: model.ActionUpdate,
		Summary: "refresh the state from the live objects (nothing remote changes)", Details: details, State: ch.State}
}

// refreshChanges reports whether recording want would change any ID or attribute of prior.
func refreshChanges(prior, want *state.Resource) bool {
	for k, v := range want.RemoteIDs {
		if prior.RemoteIDs[k] != v {
			return true
		}
	}
	for k, v := range want.Attributes {
		if prior.Attributes[k] != v {
			return true
		}
	}
	return false
}

func sortedStepNames(m map[string]*state.StepRecord) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// forgotten plans the removal from state of entries whose blocks are gone. Nothing remote is touched.
func forgotten(all []model.Instance, targets []model.Addr, st StateReader) []model.Change {
	inSpec := make(map[string]bool, len(all))
	for _, inst := range all {
		inSpec[string(inst.Addr)] = true
	}
	var out []model.Change
	for _, addr := range st.Addrs() {
		if inSpec[addr] || !matchesAny(targets, model.Addr(addr)) {
			continue
		}
		r, ok := st.Get(addr)
		if !ok {
			continue
		}
		ch := model.Change{
			Addr: model.Addr(addr), Kind: r.Kind, Provider: r.Provider, Action: model.ActionForget,
			Summary: "no longer in the spec: forget it from state (nothing remote is cancelled, reverted or deleted)",
		}
		for _, name := range sortedStepNames(r.Steps) {
			if rec := r.Steps[name]; rec != nil && rec.Status == state.StepIntent {
				ch.Reasons = append(ch.Reasons, fmt.Sprintf("warning: step %q was interrupted and never reconciled; "+
					"forgetting drops its idempotency key %s, so ferry can no longer tell whether it was sent. "+
					"Put the block back and apply first if that matters.", name, rec.Key))
			}
		}
		out = append(out, ch)
	}
	return out
}

// selectTargets keeps the targeted instances and, transitively, what they depend on.
func selectTargets(insts []model.Instance, targets []model.Addr) []model.Instance {
	if len(targets) == 0 {
		return insts
	}
	byAddr := make(map[model.Addr]int, len(insts))
	for i, inst := range insts {
		byAddr[inst.Addr] = i
	}
	keep := map[model.Addr]bool{}
	var visit func(a model.Addr)
	visit = func(a model.Addr) {
		if keep[a] {
			return
		}
		keep[a] = true
		if i, ok := byAddr[a]; ok {
			for _, d := range insts[i].DependsOn {
				visit(d)
			}
		}
	}
	for _, inst := range insts {
		if matchesAny(targets, inst.Addr) {
			visit(inst.Addr)
		}
	}
	var out []model.Instance
	for _, inst := range insts {
		if keep[inst.Addr] {
			out = append(out, inst)
		}
	}
	return out
}

func matchesAny(targets []model.Addr, addr model.Addr) bool {
	if len(targets) == 0 {
		return true
	}
	for _, t := range targets {
		if model.AddrMatches(t, addr) {
			return true
		}
	}
	return false
}

// TargetsUnmatched returns the targets that select no instance and no state entry, so the command can
// say so rather than silently plan nothing.
func TargetsUnmatched(targets []model.Addr, insts []model.Instance, st StateReader) []model.Addr {
	var out []model.Addr
	addrs := st.Addrs()
	for _, t := range targets {
		found := false
		for _, inst := range insts {
			if model.AddrMatches(t, inst.Addr) {
				found = true
				break
			}
		}
		if !found {
			i := sort.SearchStrings(addrs, string(t))
			found = i < len(addrs) && model.AddrMatches(t, model.Addr(addrs[i]))
		}
		if !found {
			out = append(out, t)
		}
	}
	return out
}
