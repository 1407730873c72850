package app

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
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
	Targets     []string
	// Heartbeat overrides the progress interval during long waits (default 10 s).
	Heartbeat time.Duration
}

// Apply carries out a saved plan, or plans and (after approval) carries out the result. The first
// interrupt (Ctrl-C) stops starting new work and cancels waits; calls already sent finish and are
// journaled. A second interrupt cancels those too (their intents are reconciled on the next apply).
func Apply(ctx context.Context, g *Globals, o ApplyOptions) int {
	s, ok := g.loadSpec()
	if !ok {
		return ExitError
	}
	path := g.statePath(s.cfg)
	st, release, err := g.lockedState(path, "ferry apply")
	if err != nil {
		fmt.Fprintf(s.err, "Error: %v\n", err)
		return ExitError
	}
	defer release()

	var p *planner.Plan
	if o.PlanFile != "" {
		if p, err = planner.ReadFile(o.PlanFile); err != nil {
			fmt.Fprintf(s.err, "Error: %v\n", err)
			return ExitError
		}
		if err := p.CheckFresh(st.Lineage(), st.Serial(), s.cfg.Hash); err != nil {
			fmt.Fprintf(s.err, "Error: %v\n", err)
			return ExitError
		}
		g.sandboxBanner(s.out)
	} else {
		var planOK bool
		p, planOK = g.makePlan(ctx, s, st, o.Targets, false)
		if p == nil {
			return ExitError
		}
		if !g.JSON {
			if err := views.WritePlan(s.out, views.NewPlanReport(p), views.TextOptions{Color: g.color()}); err != nil {
				fmt.Fprintf(s.err, "Error: %v\n", err)
				return ExitError
			}
		}
		if !planOK {
			fmt.Fprintln(s.err, "Error: the plan has errors (above); nothing was applied.")
			return ExitError
		}
		if p.HasChanges() && !o.AutoApprove {
			if !g.IsTerminal {
				fmt.Fprintln(s.err, "Error: apply needs approval: run it with --auto-approve, or save a plan with "+
					"`ferry plan --out FILE` and run `ferry apply FILE`. (No terminal to ask on.)")
				return ExitError
			}
			fmt.Fprint(s.out, "\nDo you want to perform these actions? Only 'yes' will be accepted: ")
			line, _ := bufio.NewReader(g.Stdin).ReadString('\n')
			if strings.TrimSpace(line) != "yes" {
				fmt.Fprintln(s.out, "Apply cancelled.")
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
				fmt.Fprintf(s.err, "Error: %v\n", err)
			}
		}
		if g.JSON || len(blocked) > 0 {
			return reportResult(s.out, g.JSON, executor.Result{}, blocked)
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

	stop, stopCancel := context.WithCancel(ctx)
	hard, hardCancel := context.WithCancel(context.Background())
	defer stopCancel()
	defer hardCancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	defer func() {
		signal.Stop(sigs)
		close(done)
	}()
	go func() {
		for n := 1; ; n++ {
			select {
			case <-done:
				return
			case <-sigs:
			}
			if n == 1 {
				fmt.Fprintln(s.err, "\nInterrupt received: starting nothing new; waiting for calls already sent to finish and be journaled. Interrupt again to stop at once.")
				stopCancel()
				continue
			}
			hardCancel()
		}
	}()

	ev := views.NewApplyView(s.out, g.JSON, views.TextOptions{Color: g.color()})
	ev.Start(len(changes), g.parallelism(s.cfg))
	result := executor.Run(stop, hard, changes, res.providers, st, executor.Options{
		Lineage: st.Lineage(), Parallelism: g.parallelism(s.cfg), Heartbeat: o.Heartbeat, OnEvent: ev.Event,
	})
	if err := st.Compact(); err != nil {
		fmt.Fprintf(s.err, "Error: compact the state (the journal still holds every step; nothing is lost): %v\n", err)
		return ExitError
	}
	return reportResult(s.out, g.JSON, result, blocked)
}

func reportResult(w io.Writer, asJSON bool, r executor.Result, blockedChanges []model.Change) int {
	blocked := len(blockedChanges)
	_ = views.NewApplyView(w, asJSON, views.TextOptions{}).Summary(views.NewApplySummary(r, blockedChanges))
	if !r.OK() || blocked > 0 {
		return ExitError
	}
	return ExitOK
}
