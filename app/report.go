package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ferry-dev/ferry/executor"
	"github.com/ferry-dev/ferry/internal/atomicfile"
	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/notify"
	"github.com/ferry-dev/ferry/planner"
	"github.com/ferry-dev/ferry/state"
	"github.com/ferry-dev/ferry/views"
)

// DefaultReportDir is where run reports go when neither --report-dir nor ferry { reports } says.
const DefaultReportDir = "reports"

// ReportOptions are the flags of ferry report.
type ReportOptions struct{}

// reportBase is the directory that holds the report directories of runs, or "" with --no-report.
func (g *Globals) reportBase(s *spec) (string, error) {
	if g.NoReport {
		return "", nil
	}
	if g.ReportDir != "" {
		return g.ReportDir, nil // the operator's choice: trusted
	}
	p := DefaultReportDir
	if s != nil && s.cfg != nil && s.cfg.Reports != "" {
		p = s.cfg.Reports
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(g.dir(), p)
	}
	if g.RestrictFiles {
		if err := confinedWrite(g.dir(), p); err != nil {
			return "", fmt.Errorf("ferry { reports }: %w (name another with --report-dir)", err)
		}
	}
	return p, nil
}

// outcomes follows an apply's event stream: how each change ended, and its warnings.
type outcomes struct {
	mu       sync.Mutex
	ended    map[model.Addr]executor.EventType
	warnings map[model.Addr][]string
}

func newOutcomes() *outcomes {
	return &outcomes{ended: map[model.Addr]executor.EventType{}, warnings: map[model.Addr][]string{}}
}

// event records e; the executor calls it from many goroutines.
func (o *outcomes) event(e executor.Event) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case e.Type.Ends():
		o.ended[e.Addr] = e.Type
	case e.Type == executor.EventWarning:
		o.warnings[e.Addr] = append(o.warnings[e.Addr], e.Message)
	}
}

// outcome is how the change of c ended in the run (for a plan, what it would be).
func (o *outcomes) outcome(c model.Change, applied bool) string {
	switch {
	case c.Action == model.ActionBlocked:
		return views.OutcomeBlocked
	case c.Action == model.ActionNoop:
		return views.OutcomeUnchanged
	case !applied:
		return views.OutcomePlanned
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	switch o.ended[c.Addr] {
	case executor.EventDone:
		return views.OutcomeDone
	case executor.EventFailed:
		return views.OutcomeFailed
	case executor.EventSkipped:
		return views.OutcomeSkipped
	case executor.EventStopped:
		return views.OutcomeInterrupted
	case executor.EventWaiting:
		return views.OutcomeStillInProgress
	}
	return views.OutcomeNotStarted
}

// newRun records what a plan (applied false) or an apply did to each instance: the plan's changes,
// how they ended (o), the reasons and the identifiers of the spec's instances.
func newRun(g *Globals, s *spec, command string, started time.Time, p *planner.Plan, o *outcomes, applied bool, result executor.Result) *state.Run {
	run := &state.Run{ID: g.RunID(), Command: command, StartedAt: started.UTC(), FinishedAt: time.Now().UTC(),
		Entries: make([]state.RunEntry, 0, len(p.Changes)+len(p.Unreadable))}
	errs := map[model.Addr]string{}
	for _, list := range [][]executor.ChangeError{result.Failed, result.Skipped, result.StillWaiting} {
		for _, ce := range list {
			errs[ce.Addr] = ce.Err.Error()
		}
	}
	for _, c := range p.Changes {
		e := state.RunEntry{Addr: string(c.Addr), Kind: c.Kind, Provider: c.Provider, Action: string(c.Action),
			Outcome: o.outcome(c, applied), Reasons: slices.Clone(c.Reasons)}
		if msg := errs[c.Addr]; msg != "" {
			e.Reasons = append(e.Reasons, msg)
		}
		o.mu.Lock()
		e.Warnings = slices.Clone(o.warnings[c.Addr])
		o.mu.Unlock()
		describe(&e, c, s.cfg.Instance(c.Addr))
		run.Entries = append(run.Entries, e)
	}
	for _, a := range p.Unreadable {
		e := state.RunEntry{Addr: string(a), Outcome: views.OutcomeUnreadable,
			Reasons: []string{"its live state could not be read (the error is in the command's output and log); nothing was done for it"}}
		if inst := s.cfg.Instance(a); inst != nil {
			e.Kind, e.Provider = inst.Kind, inst.Provider
			describe(&e, model.Change{}, inst)
		}
		run.Entries = append(run.Entries, e)
	}
	slices.SortFunc(run.Entries, func(a, b state.RunEntry) int { return strings.Compare(a.Addr, b.Addr) })
	return run
}

// describe fills the customer, source IDs and offer name of e from the spec's instance and the plan.
func describe(e *state.RunEntry, c model.Change, inst *model.Instance) {
	for _, d := range c.Details {
		if d.Name == "offer" {
			e.OfferName = d.Old
			if e.OfferName == "" {
				e.OfferName = d.New
			}
		}
	}
	if inst == nil {
		return
	}
	switch {
	case inst.Subscription != nil:
		sub := inst.Subscription
		e.Customer = sub.CustomerID
		if sub.Commerce != nil && sub.Commerce.AccountID != "" {
			e.Customer = sub.Commerce.AccountID
		}
		if sub.MigrateFrom != "" {
			e.SourceIDs = append(e.SourceIDs, sub.MigrateFrom)
		}
		for _, a := range sub.Addons {
			e.SourceIDs = append(e.SourceIDs, "addon:"+a.MigrateFrom)
		}
	case inst.SkipList != nil:
		e.Customer = inst.SkipList.Marketplace
		e.SourceIDs = append(e.SourceIDs, inst.SkipList.Entries...)
		e.OfferName = inst.SkipList.Product
	case inst.Cutover != nil:
		e.SourceIDs = []string{inst.Cutover.SourceServerID}
	}
}

// writeReport writes the report of run into a new directory under the report base (none with
// --no-report) and prints the statistics on stderr. Every file goes through the same redaction as
// the command's output. A report that cannot be written is a warning, never a failure of the
// command: the state holds what the report is built from.
func (g *Globals) writeReport(s *spec, run *state.Run, get func(string) *state.Resource, failed []views.FailedDelivery) {
	g.startReport(s, run, get, failed)()
}

// startReport builds the run report and writes its files in the background (a plan of 100 000
// subscriptions does so while its text is printed); the returned func waits for that, then prints
// the statistics to stderr, after whatever was printed meanwhile.
func (g *Globals) startReport(s *spec, run *state.Run, get func(string) *state.Resource, failed []views.FailedDelivery) func() {
	var rep *views.RunReport
	var reportErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		rep = views.NewRunReport(run, get)
		rep.Notifications = append(rep.Notifications, failed...)
		base, err := g.reportBase(s)
		if err != nil {
			reportErr = err
		} else if base != "" {
			dir, err := writeReportDir(base, run, rep, s.secrets)
			if err != nil {
				reportErr = err
			} else {
				rep.Dir = dir
			}
		}
	}()
	return func() {
		<-done
		if reportErr != nil {
			if run.Command == "apply" {
				g.errorf(s.err, "could not write the run report (the state is saved; `ferry report` writes it again): %v", reportErr)
			} else {
				g.errorf(s.err, "could not write the run report: %v", reportErr)
			}
		}
		if g.JSON {
			return
		}
		_ = views.WriteStats(s.err, rep)
	}
}

// writeReportDir makes base/<command>_<UTC time>/ (with a suffix when that exists already) and writes
// every report file into it.
func writeReportDir(base string, run *state.Run, rep *views.RunReport, secrets []string) (string, error) {
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", err
	}
	name := fmt.Sprintf("%s_%s", run.Command, run.FinishedAt.UTC().Format("20060102T150405Z"))
	dir := filepath.Join(base, name)
	for i := 2; ; i++ {
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			break
		}
		if !errors.Is(err, os.ErrExist) || i > 1000 {
			return "", err
		}
		dir = filepath.Join(base, fmt.Sprintf("%s-%d", name, i))
	}
	rep.Dir = dir
	for _, f := range views.ReportFiles {
		var raw bytes.Buffer
		if err := rep.WriteReportFile(&raw, f); err != nil {
			return "", fmt.Errorf("%s: %w", f, err)
		}
		data := raw.Bytes()
		if len(secrets) > 0 {
			var clean bytes.Buffer
			if _, err := newRedactor(&clean, secrets).Write(data); err != nil {
				return "", err
			}
			data = clean.Bytes()
		}
		if err := atomicfile.Write(filepath.Join(dir, f), data, 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// Report rebuilds the report of the last apply from the state alone (the resources and the run
// record beside them): the same files as the apply wrote, in a new directory. Of the spec it reads
// only the ferry block.
func Report(ctx context.Context, g *Globals, _ ReportOptions) int {
	// Only the ferry block matters (where the state and the reports are): a spec that does not
	// load now (a variable without a value) does not stop the report of what was applied.
	s, ok := g.loadSettings()
	if !ok {
		return ExitError
	}
	b, st, ok := g.openState(ctx, s)
	if !ok {
		return ExitError
	}
	defer st.Close()
	path := g.sidePath(b)
	run, err := state.ReadRun(path)
	if errors.Is(err, state.ErrNoRun) {
		if _, pg := b.(state.PGBackend); pg && st.Len() > 0 {
			// The workspace has a state, so something was applied: from another spec directory or
			// runner, since the run record stays beside the spec that applied (not in PostgreSQL).
			g.errorf(s.err, "no run record of an apply on %s here (%s): the run record stays in the spec directory "+
				"that ran the apply, not in PostgreSQL; run ferry report there",
				b.Where(), state.RunPath(path))
			return ExitError
		}
		g.errorf(s.err, "no apply has been recorded for the state %s yet: run `ferry apply` first", b.Where())
		return ExitError
	}
	if err != nil {
		g.errorf(s.err, "%v", err)
		return ExitError
	}
	if run.Lineage != "" && (st.IsNew() || run.Lineage != st.Lineage()) {
		g.errorf(s.err, "the run record %s belongs to another state (lineage %s, the state's is %s)", state.RunPath(path), run.Lineage, st.Lineage())
		return ExitError
	}
	if g.NoReport {
		g.errorf(s.err, "ferry report writes a report: --no-report leaves it nothing to do")
		return ExitError
	}
	if run.FinishedAt.IsZero() {
		unfinishedRun(run, st)
		fmt.Fprintf(s.err, "The last apply (started %s) did not end (killed?): each change's outcome is read from the state. "+
			"ferry apply resumes it.\n", run.StartedAt.Format(time.RFC3339))
	}
	rep := views.NewRunReport(run, getter(st))
	base, err := g.reportBase(s)
	if err != nil {
		g.errorf(s.err, "could not write the report: %v", err)
		return ExitError
	}
	dir, err := writeReportDir(base, run, rep, s.secrets)
	if err != nil {
		g.errorf(s.err, "could not write the report: %v", err)
		return ExitError
	}
	rep.Dir = dir
	if g.JSON {
		_ = views.WriteRunReportJSON(s.out, rep)
		return ExitOK
	}
	_ = views.WriteStatsDocument(s.out, rep)
	return ExitOK
}

// sidePath is the path beside which the files that go with a state but are not part of it are
// kept: the run record (<path>.lastrun.json, for ferry report) and the notification outbox
// (<path>.outbox). For the local backend it is the state file. For PostgreSQL it is
// .ferry/postgres/<schema>/<workspace> in the spec directory: those two files stay on the runner
// (docs/architecture.md, departures).
//
// They used to be .ferry/postgres_<schema>_<workspace>.*, a name two workspaces could share (schema
// ferry_prod with workspace emea, schema ferry with workspace prod_emea: both
// postgres_ferry_prod_emea), so one's run record and outbox overwrote the other's. Files of the old
// name are moved to the new one when it has none.
func (g *Globals) sidePath(b state.Backend) string {
	pg, ok := b.(state.PGBackend)
	if !ok {
		return b.Where()
	}
	base := filepath.Join(g.dir(), filepath.Dir(workspaceFile))
	dir := filepath.Join(base, "postgres", pg.Schema)
	_ = os.MkdirAll(dir, 0o755) // a failure shows when the files are written
	path := filepath.Join(dir, pg.Workspace)
	old := filepath.Join(base, "postgres_"+pg.Schema+"_"+pg.Workspace)
	for _, name := range []func(string) string{state.RunPath, notify.OutboxPath} {
		if _, err := os.Lstat(name(path)); errors.Is(err, fs.ErrNotExist) {
			_ = os.Rename(name(old), name(path)) // nothing to move is the usual case
		}
	}
	return path
}

// getter reads resources of st for a report.
func getter(st state.State) func(string) *state.Resource {
	return func(a string) *state.Resource {
		r, _ := st.Get(a)
		return r
	}
}

// unfinishedRun completes the provisional record of an apply that never ended (a kill -9) from the
// state: a change whose resource is done is done, one with a step sent but never answered (or
// begun) is interrupted, the others were not started. FinishedAt becomes the last step outcome the
// state holds (the last thing known to have happened), or the start.
func unfinishedRun(run *state.Run, st state.State) {
	last := run.StartedAt
	for i := range run.Entries {
		e := &run.Entries[i]
		res, ok := st.Get(e.Addr)
		if !ok || res == nil {
			continue
		}
		begun := false
		for _, step := range res.Steps {
			if step == nil || step.StartedAt.Before(run.StartedAt) {
				continue
			}
			begun = true
			if step.FinishedAt.After(last) {
				last = step.FinishedAt
			}
		}
		if e.Outcome != views.OutcomeNotStarted {
			continue
		}
		switch {
		case res.Status == state.StatusDone || res.Status == state.StatusImported:
			e.Outcome = views.OutcomeDone
		case res.Status == state.StatusFailed && begun:
			e.Outcome = views.OutcomeFailed
		case begun:
			e.Outcome = views.OutcomeInterrupted
		}
	}
	run.FinishedAt = last
}
