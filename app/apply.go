package app

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ferry-dev/ferry/executor"
	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/planner"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/state"
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
	// SizeNow, when set, reads the terminal's size again (0: unknown); the live block is fitted to
	// it at every redraw, so a terminal resized during the apply keeps a clean block.
	SizeNow func() (width, height int)
}

// liveRedraw is how often the live status block is redrawn.
const liveRedraw = 250 * time.Millisecond

// Apply carries out a saved plan, or plans and (after approval) carries out the result. ctx is
// cancelled by the first interrupt (Ctrl-C): apply starts no new work and cancels waits; calls
// already sent finish and are journaled. hard is cancelled by a second interrupt: those calls are
// cancelled too (their intents are reconciled on the next apply). cmd/ferry owns the signals.
func Apply(ctx, hard context.Context, g *Globals, o ApplyOptions) int {
	started := time.Now()
	s, ok := g.loadSpec()
	if !ok {
		return ExitError
	}
	b, err := g.backend(s.cfg)
	if err != nil {
		g.errorf(s.err, "%v", err)
		return ExitError
	}
	st, release, err := g.lockedState(ctx, b, "ferry apply")
	if err != nil {
		g.errorf(s.err, "%v", err)
		return ExitError
	}
	defer release()
	g.workspaceWarning(s.err, s.cfg)
	if err := g.localStateLeftBehind(s.cfg, st); err != nil {
		g.errorf(s.err, "%v", err)
		return ExitError
	}
	path := g.sidePath(b) // the run record and the notification outbox are kept beside it

	// The interrupt handler is in place before planning: an interrupt while the live state is read
	// says so, like one while changes run (installed here, not after planning, where an interrupt
	// used to end the command with only the errors of the reads it cut short).
	in := g.watchInterrupt(ctx, s)
	defer in.stop()

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
		if ctx.Err() != nil {
			g.errorf(s.err, "interrupted while planning: nothing was sent and the state is unchanged; run ferry apply again to start over.")
			return ExitError
		}
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
			g.notifyPlanErrors(s, st, path)
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
	ends := newOutcomes()
	log := g.logger(s)
	nt := g.startNotifier(s, st, path)
	// finish records the run beside the state (for ferry report), sends its notifications (waiting
	// at most the longest receiver timeout) and writes its report.
	var stopped map[model.Addr]bool // changes ended only because the state could not be written
	finish := func(result executor.Result, code int) {
		run := newRun(g, s, "apply", started, p, ends, true, result)
		stoppedOutcomes(run, stopped, st, started)
		if !st.IsNew() { // a state never written has no lineage yet (it changes each time it is opened)
			run.Lineage = st.Lineage()
		}
		if err := state.WriteRun(path, run); err != nil {
			g.errorf(s.err, "could not record the run for ferry report: %v", err)
		}
		failed := nt.finish(run, views.NewRunReport(run, getter(st)), code)
		for _, f := range failed {
			log.Log("notification_failed", map[string]any{"event_id": f.EventID, "event": f.Event, "receiver": f.Receiver, "error": f.Error})
		}
		g.writeReport(s, run, getter(st), failed)
		log.Log("finish", map[string]any{"exit_code": code})
	}
	if len(changes) == 0 {
		if !g.JSON && o.PlanFile != "" {
			if err := views.WritePlan(s.out, views.NewPlanReport(p), views.TextOptions{Color: g.color()}); err != nil {
				g.errorf(s.err, "%v", err)
			}
		}
		code := ExitOK
		if g.JSON || len(blocked) > 0 || len(p.Unreadable) > 0 {
			code = reportResult(s.out, g.JSON, executor.Result{}, blocked, p.Unreadable)
		}
		finish(executor.Result{}, code)
		return code
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
	earlier := seedPacers(st, res.providers, time.Now())
	nt.startWatch(res.factor)

	// The report (the summary; with --json the event and apply_progress lines) goes to stdout, the
	// progress to stderr: on a terminal one status block redrawn in place, otherwise one line per
	// change that ended and a summary line every interval.
	live := o.Live && !g.JSON
	ev := views.NewApplyView(s.out, s.err, views.ApplyViewOptions{JSON: g.JSON, Live: live, Width: o.Width, SizeNow: o.SizeNow,
		Color: live && !g.NoColor && g.Getenv("NO_COLOR") == "", Blocked: len(blocked)})
	every := o.ProgressInterval
	if every <= 0 {
		every = 30 * time.Second
	}
	if live {
		every = liveRedraw
	}

	// A provisional run record, replaced by finish: after a kill -9, `ferry report` reports this apply
	// (its outcomes read from the state) instead of the previous one.
	prov := newRun(g, s, "apply", started, p, ends, true, executor.Result{})
	prov.FinishedAt = time.Time{}
	if !st.IsNew() {
		prov.Lineage = st.Lineage()
	}
	if err := state.WriteRun(path, prov); err != nil {
		g.errorf(s.err, "could not record the run for ferry report: %v", err)
	}

	in.applying(ev)

	ev.Start(len(changes), g.parallelism(s.cfg))
	onEvent := func(e executor.Event) {
		ends.event(e)
		log.event(e)
		nt.event(e)
		ev.Event(e)
	}
	result := executor.Run(ctx, hard, changes, res.providers, loggedJournal{Journal: st, log: log}, executor.Options{
		Lineage: st.Lineage(), Parallelism: g.parallelism(s.cfg), OnEvent: onEvent,
		OnSnapshot: ev.Snapshot, SnapshotEvery: every, EarlierSends: earlier,
	})
	ev.Finish()
	if jerr := st.Err(); jerr != nil {
		// The changes ferry stopped because it could no longer record did not fail at the remote
		// system: they are interrupted (or not started), and the run still gets its report, run
		// record and apply_finished, like any apply that got to its end.
		result, stopped = journalStopped(result, st, started)
		code := g.journalFailed(ctx, s, b, result, blocked, p.Unreadable, jerr)
		finish(result, code)
		return code
	}
	if err := st.Compact(); err != nil {
		finish(result, reportResult(s.out, g.JSON, result, blocked, p.Unreadable))
		if lb, ok := b.(state.LocalBackend); ok {
			path := lb.Path
			g.errorf(s.err, "could not compact the state: %v. Every step is recorded in the journal %s.journal, which the next command "+
				"replays; run `ferry apply` again once %s can be written, and it compacts then.", err, path, filepath.Dir(path))
		} else {
			g.errorf(s.err, "could not compact the state: %v. Every step is recorded in the journal rows of %s, which the next command "+
				"replays; run `ferry apply` again once PostgreSQL can be written, and it compacts then.", err, b.Where())
		}
		return ExitError
	}
	code := reportResult(s.out, g.JSON, result, blocked, p.Unreadable)
	finish(result, code)
	return code
}

// Interrupt notices of apply: while planning (nothing was sent yet) and while changes run.
const (
	interruptPlanning = "Interrupt received before any change started: nothing has been sent; stopping."
	interruptApplying = "Interrupt received: starting nothing new; waiting for calls already sent to finish and be journaled. Interrupt again to stop at once."
)

// interruptWatch prints the notice of the first interrupt of an apply, in the words of its phase.
type interruptWatch struct {
	mu   sync.Mutex
	ev   *views.ApplyView // set once changes run; the notice then goes through the progress view
	done chan struct{}
}

// watchInterrupt starts printing the notice of ctx's cancellation (the first interrupt) on s.err.
func (g *Globals) watchInterrupt(ctx context.Context, s *spec) *interruptWatch {
	w := &interruptWatch{done: make(chan struct{})}
	go func() {
		select {
		case <-w.done:
			return
		case <-ctx.Done():
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		msg := interruptPlanning
		if w.ev != nil {
			msg = interruptApplying
		}
		switch {
		case g.JSON:
			_ = views.WriteDiagnosticsJSON(s.err, []views.Diagnostic{views.WarningDiagnostic("Interrupt received", msg)})
		case w.ev != nil:
			w.ev.Notice("\n" + msg)
		default:
			fmt.Fprintln(s.err, "\n"+msg)
		}
	}()
	return w
}

// applying switches the notice to the words of running changes, printed through ev.
func (w *interruptWatch) applying(ev *views.ApplyView) {
	w.mu.Lock()
	w.ev = ev
	w.mu.Unlock()
}

// stop ends the watch.
func (w *interruptWatch) stop() { close(w.done) }

// journalStopped moves out of result.Failed the changes that failed only because the state could
// no longer be written (a full disk, a lost PostgreSQL lock): those whose resource holds no failed
// step. A change with a step begun in this run counts as interrupted (its step may have been sent;
// the next apply reconciles it by key), the others as not started. It returns them too.
func journalStopped(result executor.Result, st state.State, started time.Time) (executor.Result, map[model.Addr]bool) {
	out := result
	out.Failed = nil
	stopped := map[model.Addr]bool{}
	for _, ce := range result.Failed {
		r, _ := st.Get(string(ce.Addr))
		if _, rec := failedStep(r); rec != nil {
			out.Failed = append(out.Failed, ce)
			continue
		}
		if begunSince(r, started) {
			out.Interrupted++
		} else {
			out.NotStarted++
		}
		stopped[ce.Addr] = true
	}
	return out, stopped
}

// begunSince reports whether r has a step started at or after t.
func begunSince(r *state.Resource, t time.Time) bool {
	if r == nil {
		return false
	}
	for _, step := range r.Steps {
		if step != nil && !step.StartedAt.Before(t) {
			return true
		}
	}
	return false
}

// stoppedOutcomes gives the run's entries of the changes journalStopped took out of the failures
// their outcome: interrupted or not started, not failed.
func stoppedOutcomes(run *state.Run, stopped map[model.Addr]bool, st state.State, started time.Time) {
	for i := range run.Entries {
		e := &run.Entries[i]
		if !stopped[model.Addr(e.Addr)] {
			continue
		}
		r, _ := st.Get(e.Addr)
		if begunSince(r, started) {
			e.Outcome = views.OutcomeInterrupted
		} else {
			e.Outcome = views.OutcomeNotStarted
		}
	}
}

// savedClaim is the summary's closing line, untrue when the journal could not be written.
const savedClaim = "The state is saved. Run ferry apply again to resume: nothing that was sent is sent twice.\n"

// journalFailed reports an apply during which the state journal could not be written (a full disk):
// the summary, without its claim that the state is saved; which steps may have been sent with no
// outcome recorded, as the stored journal shows them (an intent without an outcome), which the next
// apply reconciles by key; and the advice to apply again once the disk has space.
func (g *Globals) journalFailed(ctx context.Context, s *spec, be state.Backend, result executor.Result, blocked []model.Change, unreadable []model.Addr, jerr error) int {
	var sum strings.Builder
	_ = reportResult(&sum, g.JSON, result, blocked, unreadable)
	fmt.Fprint(s.out, strings.Replace(sum.String(), savedClaim, "", 1))

	var b strings.Builder
	fmt.Fprintf(&b, "the state journal could not be written (%v), so ferry stopped recording: what happened after its last complete record is not in the state. ", jerr)
	var pending []string
	unread := false
	if disk, err := be.Open(context.WithoutCancel(ctx)); err != nil {
		unread = true
		fmt.Fprintf(&b, "The state could not be read back to list what is unrecorded (%v), so ferry cannot tell which steps "+
			"may have been sent without their outcome recorded. The next apply looks up every step in flight by its "+
			"idempotency key before sending anything, so none is sent twice. ", err)
	} else {
		for _, a := range disk.Addrs() {
			r, _ := disk.Get(a)
			names := make([]string, 0, len(r.Steps))
			for n, st := range r.Steps {
				if st.Status == state.StepIntent {
					names = append(names, n)
				}
			}
			slices.Sort(names)
			for _, n := range names {
				pending = append(pending, fmt.Sprintf("%s (step %s, key %s)", a, n, r.Steps[n].Key))
			}
		}
	}
	switch {
	case unread:
	case len(pending) > 0:
		fmt.Fprintf(&b, "%d step(s) may have been sent without their outcome recorded: %s. The next apply looks each one up by its "+
			"idempotency key before sending anything, so none is sent twice. ", len(pending), strings.Join(pending, "; "))
	default:
		b.WriteString("The journal as stored shows no step sent without its outcome (waits are simply run again). ")
	}
	if lb, ok := be.(state.LocalBackend); ok {
		fmt.Fprintf(&b, "Free space on the disk of %s (or make it writable), then run `ferry apply` again to record the rest.", filepath.Dir(lb.Path))
	} else {
		fmt.Fprintf(&b, "Once %s can be reached and written again (and no other ferry holds it), run `ferry apply` again to record the rest.", be.Where())
	}
	g.errorf(s.err, "%s", b.String())
	return ExitError
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

// recentSendWindow is how far back the journal's sends are handed to the providers' pacing: longer
// than any documented rate-limit window.
const recentSendWindow = time.Hour

// seedPacers hands each pacing provider the times its mutating steps were sent in the last hour
// (the journal's intents and outcomes), so a re-apply right after an interrupted one paces from them.
// It returns those times per provider, all steps together, for the progress display's send rate.
func seedPacers(st state.State, provs map[string]providers.Provider, now time.Time) map[string][]time.Time {
	sends := map[string]map[string][]time.Time{} // provider → step → times
	for _, addr := range st.Addrs() {
		r, ok := st.Get(addr)
		if !ok {
			continue
		}
		p, ok := provs[r.Provider].(providers.Pacer)
		if !ok || p == nil {
			continue
		}
		for name, rec := range r.Steps {
			if rec == nil || rec.Key == "" || now.Sub(rec.StartedAt) > recentSendWindow {
				continue
			}
			if sends[r.Provider] == nil {
				sends[r.Provider] = map[string][]time.Time{}
			}
			sends[r.Provider][name] = append(sends[r.Provider][name], sentAt(rec, now))
		}
	}
	all := map[string][]time.Time{}
	for name, steps := range sends {
		p := provs[name].(providers.Pacer)
		for step, at := range steps {
			p.RecordedSends(step, at)
			all[name] = append(all[name], at...)
		}
	}
	return all
}

// sentAt is the latest moment a journaled step can have been sent: the intent is journaled before
// the provider waits for its rate limit, so the send may come long after StartedAt (a whole limit
// window at the documented pace). Pacing from StartedAt would free those slots too early and the
// re-apply would be throttled; the outcome (journaled after the answer) bounds the send from above,
// and an intent without one (a kill -9, or an interrupt before it was sent) may have been sent up to
// now.
func sentAt(rec *state.StepRecord, now time.Time) time.Time {
	if rec.FinishedAt.IsZero() {
		return now
	}
	return rec.FinishedAt
}
