package app

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ferry-dev/ferry/executor"
	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/planner"
	"github.com/ferry-dev/ferry/views"
)

// ApplyOptions are the flags of ferry apply.
type ApplyOptions struct {
	PlanFile    string
	AutoApprove bool
	RefreshOnly bool // plan as plan --refresh-only does, then apply: only record live objects in state
	Targets     []string
	// ProgressInterval is how often a summary of the whole apply is printed without a terminal (a
	// line on stderr) and with --json (an apply_progress line); default 30 s.
	ProgressInterval time.Duration
	// Live shows the progress as one status block redrawn in place (stderr is a terminal); Width is
	// the terminal's width in columns.
	Live  bool
	Width int
}

// liveRedraw is how often the live status block is redrawn.
const liveRedraw = 250 * time.Millisecond

// Apply carries out a saved plan, or plans and (after approval) carries out the result. ctx is
// cancelled by the first interrupt (Ctrl-C): apply starts no new work and cancels waits; calls
// already sent finish and are journaled. hard is cancelled by a second interrupt: those calls are
// cancelled too (their intents are reconciled on the next apply). cmd/ferry owns the signals.
func Apply(ctx, hard context.Context, g *Globals, o ApplyOptions) int {
	s, ok := g.loadSpec()
	if !ok {
		return ExitError
	}
	path := g.statePath(s.cfg)
	st, release, err := g.lockedState(path, "ferry apply")
	if err != nil {
		g.errorf(s.err, "%v", err)
		return ExitError
	}
	defer release()

	var p *planner.Plan
	if o.PlanFile != "" {
		if p, err = planner.ReadFile(o.PlanFile); err != nil {
			g.errorf(s.err, "%v", err)
			return ExitError
		}
		if err := p.CheckFresh(st.Lineage(), st.Serial(), s.cfg.Hash); err != nil {
			g.errorf(s.err, "%v", err)
			return ExitError
		}
		g.sandboxBanner(s.err)
	} else {
		var planOK bool
		p, planOK = g.makePlan(ctx, s, st, o.Targets, o.RefreshOnly)
		if p == nil {
			return ExitError
		}
		if !g.JSON {
			if err := views.WritePlan(s.out, views.NewPlanReport(p), views.TextOptions{Color: g.color()}); err != nil {
				g.errorf(s.err, "%v", err)
				return ExitError
			}
		}
		if !planOK {
			g.errorf(s.err, "the plan has errors (above); nothing was applied.")
			return ExitError
		}
		if p.HasChanges() && !o.AutoApprove {
			if !g.IsTerminal {
				g.errorf(s.err, "apply needs approval: run it with --auto-approve, or save a plan with "+
					"`ferry plan --out FILE` and run `ferry apply FILE`. (No terminal to ask on.)")
				return ExitError
			}
			fmt.Fprint(s.err, "\nDo you want to perform these actions? Only 'yes' will be accepted: ")
			line, _ := bufio.NewReader(g.Stdin).ReadString('\n')
			if strings.TrimSpace(line) != "yes" {
				fmt.Fprintln(s.err, "Apply cancelled.")
				return ExitError
			}
		}
	}

	changes := p.Actionable()
	var blocked []model.Change
	for _, c := range p.Changes {
		if c.Action == model.ActionBlocked {
			blocked = append(blocked, c)
		}
	}
	if len(changes) == 0 {
		if !g.JSON && o.PlanFile != "" {
			if err := views.WritePlan(s.out, views.NewPlanReport(p), views.TextOptions{Color: g.color()}); err != nil {
				g.errorf(s.err, "%v", err)
			}
		}
		if g.JSON || len(blocked) > 0 || len(p.Unreadable) > 0 {
			return reportResult(s.out, g.JSON, executor.Result{}, blocked, p.Unreadable)
		}
		return ExitOK
	}
	need := map[string]bool{}
	for _, c := range changes {
		if len(c.Steps) > 0 {
			need[c.Provider] = true
		}
	}
	res, ok := g.openProviders(ctx, s, need)
	if !ok {
		return ExitError
	}

	// The report (the summary; with --json the event and apply_progress lines) goes to stdout, the
	// progress to stderr: on a terminal one status block redrawn in place, otherwise one line per
	// change that ended and a summary line every interval.
	live := o.Live && !g.JSON
	ev := views.NewApplyView(s.out, s.err, views.ApplyViewOptions{JSON: g.JSON, Live: live, Width: o.Width,
		Color: live && !g.NoColor && g.Getenv("NO_COLOR") == "", Blocked: len(blocked)})
	every := o.ProgressInterval
	if every <= 0 {
		every = 30 * time.Second
	}
	if live {
		every = liveRedraw
	}

	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-done:
		case <-ctx.Done():
			ev.Notice("\nInterrupt received: starting nothing new; waiting for calls already sent to finish and be journaled. Interrupt again to stop at once.")
		}
	}()

	ev.Start(len(changes), g.parallelism(s.cfg))
	result := executor.Run(ctx, hard, changes, res.providers, st, executor.Options{
		Lineage: st.Lineage(), Parallelism: g.parallelism(s.cfg), OnEvent: ev.Event,
		OnSnapshot: ev.Snapshot, SnapshotEvery: every,
	})
	ev.Finish()
	if err := st.Compact(); err != nil {
		g.errorf(s.err, "compact the state (the journal still holds every step; nothing is lost): %v", err)
		return ExitError
	}
	return reportResult(s.out, g.JSON, result, blocked, p.Unreadable)
}

// reportResult prints the outcome of an apply and returns its exit code: ExitError when anything
// failed, was skipped, interrupted or not started, or could not be read; ExitBlocked when all that
// could be done is done and only blocked changes remain; ExitOK otherwise.
func reportResult(w io.Writer, asJSON bool, r executor.Result, blockedChanges []model.Change, unreadable []model.Addr) int {
	blocked := len(blockedChanges)
	_ = views.NewApplyView(w, io.Discard, views.ApplyViewOptions{JSON: asJSON}).Summary(views.NewApplySummary(r, blockedChanges, unreadable))
	switch {
	case !r.OK() || len(unreadable) > 0:
		return ExitError
	case blocked > 0:
		return ExitBlocked
	}
	return ExitOK
}
