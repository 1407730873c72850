package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/ferry-dev/ferry/hclspec"
	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/planner"
	"github.com/ferry-dev/ferry/state"
	"github.com/ferry-dev/ferry/views"
)

// stateOnly resolves the backend for commands that do not need a valid spec: the spec's ferry block
// is read, for its state setting or backend block, even when the rest of the spec has errors (a
// variable without a value). A spec whose files do not parse, or whose ferry block has an error,
// cannot say where its state is: that is an error (its diagnostics are printed), not the default
// state file, unless --state names the file.
func (g *Globals) stateOnly() (state.Backend, error) {
	g.logger(&spec{out: g.Stdout, err: g.Stderr}).Log("start", map[string]any{"dir": g.dir()})
	if g.StatePath != "" && len(g.BackendConfig) == 0 {
		return g.backend(nil)
	}
	cfg, files, diags := hclspec.LoadSettings(g.dir(), g.specOptions())
	if cfg == nil {
		return nil, g.settingsUnknown(g.newSpec(nil, files), diags)
	}
	return g.backend(cfg)
}

// settingsUnknown prints the errors that kept the spec's ferry block from being read and returns
// the error that says what follows: the state it names is unknown.
func (g *Globals) settingsUnknown(s *spec, diags hcl.Diagnostics) error {
	var errs hcl.Diagnostics
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			errs = append(errs, d)
		}
	}
	g.writeDiagnostics(s.err, views.NewDiagnostics(errs, s.files.Map()))
	return errors.New("the spec's ferry block could not be read (see above), so the state it names is unknown: " +
		"fix the spec, or name the state file with --state")
}

// StateList prints every address in the state, one per line, with its status.
func StateList(g *Globals) int {
	b, err := g.stateOnly()
	if err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	st, exists, err := readState(context.Background(), b)
	if err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	if !exists {
		// No state yet: --json still prints its (empty) state_list document, as show --json does.
		if g.JSON {
			_ = views.WriteStateList(g.Stdout, views.NewEmptyStateList(), true)
		} else {
			fmt.Fprintf(g.Stderr, "No state at %s: nothing has been applied yet.\n", b.Where())
		}
		return ExitOK
	}
	_ = views.WriteStateList(g.Stdout, views.NewStateList(st), g.JSON)
	return ExitOK
}

// StateShow prints one state entry as JSON.
func StateShow(g *Globals, addr string) int {
	b, err := g.stateOnly()
	if err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	st, err := b.Open(context.Background())
	if err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	a, err := model.ParseAddr(addr)
	if err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	r, ok := st.Get(string(a))
	if !ok {
		g.errorf(g.Stderr, "%s is not in the state (see ferry state list)", a)
		return ExitError
	}
	_ = views.WriteStateResource(g.Stdout, views.NewStateResource(r))
	return ExitOK
}

// StateRm forgets entries from the state; nothing remote is touched. It is all or nothing: when one
// address is invalid or not in the state, nothing is removed. An address given twice is
// removed once.
func StateRm(g *Globals, addrs []string) int {
	return g.editState("ferry state rm", func(st state.State) error {
		done := views.NewStateEdit("state rm")
		var rm []string
		seen := map[model.Addr]bool{}
		for _, raw := range addrs {
			a, err := model.ParseAddr(raw)
			if err != nil {
				return fmt.Errorf("%w; nothing was removed", err)
			}
			if seen[a] {
				continue
			}
			seen[a] = true
			if _, ok := st.Get(string(a)); !ok {
				return fmt.Errorf("%s is not in the state (see ferry state list); nothing was removed", a)
			}
			rm = append(rm, string(a))
		}
		for _, a := range rm {
			err := st.Remove(a)
			g.log.Log("journal", map[string]any{"op": "remove", "address": a, "error": errText(err)})
			if err != nil {
				return err
			}
			// Each removal is journaled as it is made: say so at once (the JSON line comes at the end).
			done.Edits = append(done.Edits, views.StateEditItem{Op: "remove", Address: a})
			if !g.JSON {
				_ = views.WriteStateEdit(g.Stdout, &views.StateEdit{Edits: done.Edits[len(done.Edits)-1:]}, false)
			}
		}
		if g.JSON {
			return views.WriteStateEdit(g.Stdout, done, true)
		}
		return nil
	})
}

// StateMv renames an entry, e.g. after renaming a block or a for_each key.
func StateMv(g *Globals, from, to string) int {
	return g.editState("ferry state mv", func(st state.State) error {
		f, err := model.ParseAddr(from)
		if err != nil {
			return err
		}
		t, err := model.ParseAddr(to)
		if err != nil {
			return err
		}
		// Like Terraform, a move keeps the kind of block: a subscription's remote IDs and steps mean
		// nothing to a cutover.
		if fk, tk := kindOf(f), kindOf(t); fk != tk {
			return fmt.Errorf("cannot move %s to %s: an entry of a %s block cannot become a %s; state mv renames an entry "+
				"within one kind of block (e.g. %s.NEW_NAME)", f, t, fk, tk, fk)
		}
		err = st.Move(string(f), string(t))
		g.log.Log("journal", map[string]any{"op": "move", "address": string(f), "to": string(t), "error": errText(err)})
		if err != nil {
			return err
		}
		done := views.NewStateEdit("state mv")
		done.Edits = append(done.Edits, views.StateEditItem{Op: "move", Address: string(f), To: string(t)})
		return views.WriteStateEdit(g.Stdout, done, g.JSON)
	})
}

func (g *Globals) editState(op string, edit func(state.State) error) int {
	ctx := context.Background()
	b, err := g.stateOnly()
	if err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	if _, exists, err := readState(ctx, b); err != nil || !exists {
		if err == nil {
			err = fmt.Errorf("no state at %s", b.Where())
		}
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	st, release, err := g.lockedState(ctx, b, op)
	if err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	defer release()
	before := st.Serial()
	editErr := edit(st)
	if st.Serial() != before {
		// Only an edit that journaled something moves the serial (and so stales saved plans).
		if err := st.Compact(); err != nil {
			g.errorf(g.Stderr, "%v", err)
			return ExitError
		}
	}
	if editErr != nil {
		g.errorf(g.Stderr, "%v", editErr)
		return ExitError
	}
	return ExitOK
}

// Show renders a saved plan, or the state when no plan file is given.
func Show(g *Globals, planFile string) int {
	if planFile != "" {
		p, err := planner.ReadFile(planFile)
		if err != nil {
			g.errorf(g.Stderr, "%v", err)
			return ExitError
		}
		if r := views.NewPlanReport(p); g.JSON {
			err = views.WritePlanJSON(g.Stdout, r)
		} else {
			err = views.WritePlan(g.Stdout, r, views.TextOptions{Color: g.color()})
		}
		if err != nil {
			g.errorf(g.Stderr, "%v", err)
			return ExitError
		}
		return ExitOK
	}
	b, err := g.stateOnly()
	if err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	st, exists, err := readState(context.Background(), b)
	if err != nil {
		g.errorf(g.Stderr, "%v", err) // e.g. a journal whose snapshot was deleted
		return ExitError
	}
	if !exists {
		// No state yet: say so, and never show the random lineage of a state that does not exist.
		if g.JSON {
			_ = views.WriteState(g.Stdout, views.NewEmptyStateReport(), true)
		} else {
			fmt.Fprintf(g.Stderr, "No state at %s: nothing has been applied yet.\n", b.Where())
		}
		return ExitOK
	}
	_ = views.WriteState(g.Stdout, views.NewStateReport(st), g.JSON)
	return ExitOK
}

// Version prints ferry's version: "ferry VERSION", or a JSON document of type "version".
func Version(g *Globals, version string) int {
	if err := views.WriteVersion(g.Stdout, version, g.JSON); err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	return ExitOK
}

// Import adopts an existing remote object into the state for an instance declared in the spec.
func Import(ctx context.Context, g *Globals, addr, id string) int {
	s, ok := g.loadSpec()
	if !ok {
		return ExitError
	}
	a, err := model.ParseAddr(addr)
	if err != nil {
		g.errorf(s.err, "%v", err)
		return ExitError
	}
	var inst *model.Instance
	for i := range s.cfg.Instances {
		if s.cfg.Instances[i].Addr == a {
			inst = &s.cfg.Instances[i]
		}
	}
	if inst == nil {
		g.errorf(s.err, "%s is not declared in the spec; add its block first, then import into it", a)
		return ExitError
	}
	if inst.Kind != model.KindSubscription {
		// As import blocks: only a subscription has an ID to adopt. The ID was ignored for the other
		// kinds ("Imported <anything> as cutover.db"), recording what the spec said instead.
		g.errorf(s.err, "ferry import adopts existing New Commerce subscriptions; %s is a %s: ferry apply records what it finds "+
			"already done (a server already cut over, skip-list entries already present) without sending anything", a, inst.Kind)
		return ExitError
	}
	if e := g.Providers.Lookup(inst.Provider); e != nil && e.CheckImportID != nil {
		// The ID is a command-line argument: report it as one, not at the block's line.
		if err := e.CheckImportID(id); err != nil {
			g.errorf(s.err, "the ID argument of ferry import: %v", err)
			return ExitError
		}
	}
	inst.ImportID = id
	inst.ImportRange = hcl.Range{} // not from an import block
	b, err := g.backend(s.cfg)
	if err != nil {
		g.errorf(s.err, "%v", err)
		return ExitError
	}
	st, release, err := g.lockedState(ctx, b, "ferry import")
	if err != nil {
		g.errorf(s.err, "%v", err)
		return ExitError
	}
	defer release()
	if _, exists := st.Get(string(a)); exists {
		g.errorf(s.err, "%s is already in the state; ferry state rm it first to import another object", a)
		return ExitError
	}
	p, ok := g.makePlan(ctx, s, st, []string{string(a)}, false)
	if p == nil || !ok || len(p.Unreadable) > 0 {
		return ExitError
	}
	for _, c := range p.Changes {
		if c.Addr != a {
			continue
		}
		if (c.Action == model.ActionCreate || c.Action == model.ActionResume) && len(c.Steps) > 0 {
			// An adoption through Commerce places an order: ferry import records, it never sends.
			g.errorf(s.err, "importing %s as %s needs remote work (%s); write an import block for it and run ferry apply", id, a, c.Summary)
			return ExitError
		}
		if c.Action != model.ActionImport || c.State == nil {
			why := c.Summary
			if why == "" {
				why = strings.Join(c.Reasons, "; ")
			}
			g.errorf(s.err, "%s cannot be imported as %s: the plan for it is %q (%s); nothing was recorded", id, a, c.Action, why)
			return ExitError
		}
		r := c.State.Clone()
		r.Addr, r.Kind, r.Provider = string(a), c.Kind, c.Provider
		if err := st.Put(r); err != nil {
			g.errorf(s.err, "%v", err)
			return ExitError
		}
		if err := st.Compact(); err != nil {
			g.errorf(s.err, "%v", err)
			return ExitError
		}
		done := views.NewStateEdit("import")
		done.Edits = append(done.Edits, views.StateEditItem{Op: "import", Address: string(a), ID: id})
		_ = views.WriteStateEdit(s.out, done, g.JSON)
		return ExitOK
	}
	g.errorf(s.err, "nothing was planned for %s", a)
	return ExitError
}

// kindOf is the kind of block of a parsed address: subscription for subscription.m365["k"].
func kindOf(a model.Addr) string {
	p, err := model.ParseAddrParts(string(a))
	if err != nil {
		return ""
	}
	return p.Kind
}

// errText is err's message, or "" for nil (a log field).
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
