package app

import (
	"context"
	"fmt"
	"io"
	"syscall"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/ferry-dev/ferry/executor"
	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/planner"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/views"
)

// Validate parses and checks the spec without any network call.
func Validate(g *Globals) int {
	s, ok := g.loadSpec()
	if !ok {
		return ExitError
	}
	_ = views.WriteValidate(s.out, views.NewValidateReport(len(s.cfg.Instances)), g.JSON)
	return ExitOK
}

// DefaultReadTimeout is the overall deadline of reading the live state (plan, and the plan at the
// start of apply) when --read-timeout is not given.
const DefaultReadTimeout = 10 * time.Minute

// PlanOptions are the flags of ferry plan.
type PlanOptions struct {
	Out              string
	DetailedExitcode bool
	RefreshOnly      bool
	Targets          []string
	Markdown         bool
}

// Plan reads live state and prints what apply would do.
func Plan(ctx context.Context, g *Globals, o PlanOptions) int {
	started := time.Now()
	mark := g.timings(started)
	s, ok := g.loadSpec()
	mark("spec loaded")
	if !ok {
		return ExitError
	}
	_, st, ok := g.openState(ctx, s)
	if !ok {
		return ExitError
	}
	defer st.Close()
	g.stateWarnings(s.err, st)
	g.workspaceWarning(s.err, s.cfg)
	if err := g.localStateLeftBehind(s.cfg, st); err != nil {
		g.errorf(s.err, "%v", err)
		return ExitError
	}
	mark("state opened")
	g.onRead = func() { mark("live state read") }
	p, ok := g.makePlan(ctx, s, st, o.Targets, o.RefreshOnly)
	mark("planned")
	if p == nil {
		return ExitError
	}
	// The run report is written while the plan is printed; its statistics follow the plan.
	finishReport := g.startReport(s, newRun(g, s, "plan", started, p, newOutcomes(), false, executor.Result{}), getter(st), nil)
	var err error
	switch r := views.NewPlanReport(p); {
	case g.JSON:
		err = views.WritePlanJSON(s.out, r)
	case o.Markdown:
		err = views.WritePlanMarkdown(s.out, r)
	default:
		err = views.WritePlan(s.out, r, views.TextOptions{Color: g.color()})
	}
	mark("printed")
	finishReport()
	mark("report written")
	if err != nil {
		g.errorf(s.err, "%v", err)
		return ExitError
	}
	if !ok || len(p.Unreadable) > 0 {
		if o.Out != "" {
			g.errorf(s.err, "the plan has errors (above), so it was not saved to %s.", o.Out)
		}
		return ExitError
	}
	if o.Out != "" {
		if err := planner.WriteFile(o.Out, p); err != nil {
			g.errorf(s.err, "%v", err)
			return ExitError
		}
		switch {
		case o.Markdown: // stdout is the pull-request comment
			fmt.Fprintf(s.err, "Saved the plan to %s. To carry it out exactly: ferry apply %s\n", o.Out, o.Out)
		case !g.JSON:
			fmt.Fprintf(s.out, "\nSaved the plan to %s. To carry it out exactly: ferry apply %s\n", o.Out, o.Out)
		}
	}
	if o.DetailedExitcode && p.HasChanges() {
		return ExitChanges
	}
	return ExitOK
}

// makePlan builds the providers and plans; it prints diagnostics. It returns a nil plan when nothing
// could be planned, and ok false when some instances had errors other than live state that could not
// be read (those are in the plan's Unreadable: the rest can still be applied, but the command fails).
func (g *Globals) makePlan(ctx context.Context, s *spec, st planner.StateReader, targetArgs []string, refreshOnly bool) (*planner.Plan, bool) {
	var targets []model.Addr
	for _, t := range targetArgs {
		a, err := model.ParseAddr(t)
		if err != nil {
			g.errorf(s.err, "--target %q: %v", t, err)
			return nil, false
		}
		targets = append(targets, a)
	}
	if miss := planner.TargetsUnmatched(targets, s.cfg.Instances, st); len(miss) > 0 {
		g.errorf(s.err, "--target %s matches no resource in the spec or the state", miss[0])
		return nil, false
	}
	g.sandboxBanner(s.err)
	need := map[string]bool{}
	for _, inst := range s.cfg.Instances {
		need[inst.Provider] = true
	}
	// Reading the live state has an overall deadline (--read-timeout): what is not read by then is
	// an error naming it, not a silence of many retries. The waits of apply are not under it.
	readTimeout := g.ReadTimeout
	if readTimeout <= 0 {
		readTimeout = DefaultReadTimeout
	}
	rctx, cancel := context.WithTimeoutCause(ctx, readTimeout, fmt.Errorf("the live state was not read within --read-timeout %s "+
		"(raise it, or check that the remote system answers)", readTimeout))
	defer cancel()
	res, ok := g.openProviders(rctx, s, need)
	if !ok {
		return nil, false
	}
	stopTicker := g.readingProgress(s.err, len(s.cfg.Instances))
	p, diags := planner.Make(rctx, planner.Input{
		Instances: s.cfg.Instances, SpecHash: s.cfg.Hash, Targets: targets,
		RefreshOnly: refreshOnly, Providers: res.providers, Unavailable: res.unavailable, OnRead: g.onRead,
	}, st)
	stopTicker()
	g.planDiags = diags
	if len(diags) > 0 {
		g.writeDiags(s, diags)
	}
	for _, d := range diags {
		if _, unreadable := d.Extra.(providers.Unreadable); d.Severity == hcl.DiagError && !unreadable {
			return p, false
		}
	}
	return p, true
}

// timings returns what marks the end of a phase of a command started at start: with FERRY_TIMINGS
// set (a developer's knob, docs/commands.md), each mark prints the time since start to stderr.
func (g *Globals) timings(start time.Time) func(phase string) {
	if g.Getenv("FERRY_TIMINGS") == "" {
		return func(string) {}
	}
	return func(phase string) {
		fmt.Fprintf(g.Stderr, "ferry: timing: %-16s %6.3f s (CPU so far %.3f s)\n", phase, time.Since(start).Seconds(), cpuTime().Seconds())
	}
}

// cpuTime is the CPU time (user + system) this process has used so far (zero where unknown).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// readingProgress prints a line every 10 s while live objects are read, so a long plan against a
// real API is never silent; the returned func stops it.
func (g *Globals) readingProgress(w io.Writer, n int) func() {
	if g.JSON {
		return func() {}
	}
	start := time.Now()
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Fprintf(w, "Still reading the live state of %d instances… [%s elapsed]\n", n, time.Since(start).Round(time.Second))
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
	}
}
