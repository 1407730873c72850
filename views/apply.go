package views

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ferry-dev/ferry/executor"
	"github.com/ferry-dev/ferry/model"
)

// EventLine is one progress event of an apply: a text line for people, a JSON line of type "event"
// for machines.
type EventLine struct {
	Header
	// Event is what happened: start, step, reconciled, progress, done, failed, skipped, interrupted,
	// waiting (the wait ended with the remote work still under way) or warning.
	Event   string    `json:"event"`
	Time    time.Time `json:"time"`
	Address string    `json:"address"`
	Step    string    `json:"step,omitempty"`
	Message string    `json:"message,omitempty"`
	// ElapsedSeconds is how long the change has run (done).
	ElapsedSeconds float64 `json:"elapsed_seconds,omitempty"`
	// RemoteIDs are identifiers learned (migration_id, new_subscription_id, …).
	RemoteIDs map[string]string `json:"remote_ids,omitempty"`
}

// NewEventLine converts an executor event.
func NewEventLine(e executor.Event) EventLine {
	return EventLine{Header: header(TypeEvent), Event: string(e.Type), Time: e.Time, Address: string(e.Addr),
		Step: e.Step, Message: e.Message, ElapsedSeconds: e.Elapsed.Seconds(), RemoteIDs: e.IDs}
}

// eventText is an EventLine prepared for the text template.
type eventText struct {
	EventLine
	IDs     string // " (k=v, …)" or ""
	Elapsed string // "3s" or ""
}

// eventTemplate renders the text line of an event that ends a change, or that someone must see
// (reconciled, warning). Text output has no line per start, step or poll.
var eventTemplate = parse("event", `{{define "event"}}{{$m := esc .Message}}{{esc .Address}}: {{/**/ -}}
{{if eq .Event "reconciled"}}{{$m}}{{.IDs}}
{{- else if eq .Event "done"}}{{green $m}}{{with .Elapsed}} [{{.}}]{{end}}{{.IDs}}
{{- else if eq .Event "failed"}}{{red "failed:"}} {{$m}}
{{- else if eq .Event "skipped"}}skipped: {{$m}}
{{- else if eq .Event "warning"}}warning: {{$m}}
{{- else}}{{$m}}{{end}}
{{end}}`)

// ApplyViewOptions say how an apply's progress is shown.
type ApplyViewOptions struct {
	// JSON prints event lines and apply_progress lines on the report writer instead of text.
	JSON bool
	// Live redraws one status block in place on the progress writer (a terminal); otherwise the
	// progress is one line per ended change plus a summary line per snapshot.
	Live bool
	// Color colours the progress text.
	Color bool
	// Width is the terminal's width in columns, for the live block (0: 100).
	Width int
	// SizeNow, when set, is asked for the terminal's size at every redraw, so that a terminal
	// resized during a long apply neither wraps the block's lines nor scrolls its first lines out
	// of reach (which the redraw could then not erase): each line is cut to the width and the block
	// to one line less than the height. A width of 0 or less keeps Width; a height of 0 or less
	// leaves the block whole.
	SizeNow func() (width, height int)
	// Blocked counts the plan's blocked changes, shown with the counts.
	Blocked int
}

// ApplyView prints an apply as it runs. The report (the summary; with --json also the event and
// apply_progress lines) goes to report (stdout); the progress text to progress (stderr): one line
// per change that ended, and per snapshot a summary line, or, on a terminal, one status block
// redrawn in place with the ended changes scrolling above it. Its methods may be called from many
// goroutines.
type ApplyView struct {
	report, progress io.Writer
	o                ApplyViewOptions
	style            style

	mu      sync.Mutex
	pending []byte // live: lines to print above the block at the next redraw
	drawn   int    // live: lines of the block on the screen
}

// NewApplyView prints the report on report and the progress on progress.
func NewApplyView(report, progress io.Writer, o ApplyViewOptions) *ApplyView {
	if o.Width <= 0 {
		o.Width = 100
	}
	return &ApplyView{report: report, progress: progress, o: o, style: style{on: o.Color && !o.JSON}}
}

// Start announces the apply of n changes (text only, on the progress writer).
func (v *ApplyView) Start(n, parallelism int) {
	if v.o.JSON {
		return
	}
	v.say(fmt.Sprintf("\nApplying %d %s (parallelism %d)…\n", n, plural(n, "change", "changes"), parallelism))
}

// Notice prints a message of the apply itself (an interrupt) on the progress writer, as text even
// with --json (as every message that is not a diagnostic).
func (v *ApplyView) Notice(msg string) {
	v.say(msg + "\n")
}

// say prints text on the progress writer: above the live block (at its next redraw), or at once.
func (v *ApplyView) say(text string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.o.Live {
		v.pending = append(v.pending, text...)
		return
	}
	_, _ = io.WriteString(v.progress, text)
}

// Event prints one event. With --json every event but a poll without remote IDs is a line; as text,
// only what ends a change (and reconciled steps and warnings) is a line.
func (v *ApplyView) Event(e executor.Event) {
	line := NewEventLine(e)
	if v.o.JSON {
		if e.Type == executor.EventProgress && len(e.IDs) == 0 {
			return
		}
		v.mu.Lock()
		defer v.mu.Unlock()
		_ = writeJSON(v.report, line, false)
		return
	}
	if !e.Type.Ends() && e.Type != executor.EventReconciled && e.Type != executor.EventWarning {
		return
	}
	if e.Type == executor.EventStopped {
		return // an interrupt stops many changes at once: the summary counts them
	}
	t := eventText{EventLine: line, IDs: ids(e.IDs)}
	if e.Elapsed > 0 {
		t.Elapsed = roundDur(e.Elapsed)
	}
	var b strings.Builder
	_ = render(&b, eventTemplate, "event", v.style, t)
	v.say(b.String())
}

// Snapshot prints where the whole apply stands: an apply_progress line (--json), a summary line, or
// the live block redrawn in place with the lines printed since the last redraw above it.
func (v *ApplyView) Snapshot(s executor.Snapshot) {
	p := NewApplyProgress(s, v.o.Blocked)
	v.mu.Lock()
	defer v.mu.Unlock()
	switch {
	case v.o.JSON:
		_ = writeJSON(v.report, p, false)
	case v.o.Live:
		width, height := v.o.Width, 0
		if v.o.SizeNow != nil {
			w, h := v.o.SizeNow()
			if w > 0 {
				width = w
			}
			height = h
		}
		block, n := liveBlock(p, v.style, width, height)
		var b strings.Builder
		b.WriteString(erase(v.drawn))
		b.Write(v.pending)
		b.WriteString(block)
		v.pending, v.drawn = v.pending[:0], n
		_, _ = io.WriteString(v.progress, b.String())
	default:
		_ = render(v.progress, progressTemplate, "line", v.style, p)
	}
}

// Finish removes the live block and prints the lines still pending, before the summary.
func (v *ApplyView) Finish() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.o.Live || v.o.JSON {
		return
	}
	out := erase(v.drawn) + string(v.pending)
	v.pending, v.drawn = v.pending[:0], 0
	if out != "" {
		_, _ = io.WriteString(v.progress, out)
	}
}

// erase moves the cursor up n lines (to the start of the live block) and clears to the end of the
// screen.
func erase(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("\r\x1b[%dA\x1b[J", n)
}

// Summary prints the apply's summary: text lines, or one JSON line of type "apply_summary".
func (v *ApplyView) Summary(s *ApplySummary) error {
	v.Finish()
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.o.JSON {
		return writeJSON(v.report, s, false)
	}
	return render(v.report, summaryTemplate, "summary", style{}, s)
}

// ApplySummary is the result of an apply.
type ApplySummary struct {
	Header
	// Status is "complete" (every change done), "blocked" (everything ferry could do is done; blocked
	// changes remain) or "incomplete" (a change failed, was skipped, interrupted, not started or still
	// in progress, or an instance could not be read).
	Status string `json:"status"`
	// Done counts changes that finished.
	Done int `json:"done"`
	// Failed and Skipped (not started because something they depend on failed) say why.
	Failed  []ApplyProblem `json:"failed"`
	Skipped []ApplyProblem `json:"skipped"`
	// Interrupted counts changes stopped by an interrupt; NotStarted those never started because of
	// it. A re-apply resumes both.
	Interrupted int `json:"interrupted"`
	NotStarted  int `json:"not_started"`
	// StillWaiting lists the changes whose remote work was still under way when their wait ended
	// (its timeout passed): not failures; a re-apply keeps waiting for them.
	StillWaiting []ApplyProblem `json:"still_waiting"`
	// StatusReads counts the batched status reads of outstanding remote work.
	StatusReads int64 `json:"status_reads"`
	// Blocked lists the changes the plan could not make, with the reasons.
	Blocked []BlockedChange `json:"blocked"`
	// Unreadable lists the instances whose live state could not be read (errors): nothing was done
	// for them.
	Unreadable []string `json:"unreadable"`
}

// ApplyProblem is a change that did not finish, with the step and why.
type ApplyProblem struct {
	Address string `json:"address"`
	Step    string `json:"step,omitempty"`
	Error   string `json:"error"`
}

// BlockedChange is a change the plan could not make.
type BlockedChange struct {
	Address string   `json:"address"`
	Summary string   `json:"summary"`
	Reasons []string `json:"reasons"`
}

// Apply summary statuses.
const (
	StatusComplete   = "complete"
	StatusBlocked    = "blocked"
	StatusIncomplete = "incomplete"
)

// NewApplySummary builds the summary of an executor result and the plan's blocked changes.
func NewApplySummary(r executor.Result, blocked []model.Change, unreadable []model.Addr) *ApplySummary {
	s := &ApplySummary{Header: header(TypeApplySummary), Status: StatusComplete, Done: r.Done,
		Interrupted: r.Interrupted, NotStarted: r.NotStarted, StatusReads: r.StatusReads,
		Failed: []ApplyProblem{}, Skipped: []ApplyProblem{}, StillWaiting: []ApplyProblem{}, Blocked: []BlockedChange{}, Unreadable: []string{}}
	for _, f := range r.StillWaiting {
		s.StillWaiting = append(s.StillWaiting, ApplyProblem{string(f.Addr), f.Step, f.Err.Error()})
	}
	for _, a := range unreadable {
		s.Unreadable = append(s.Unreadable, string(a))
	}
	for _, f := range r.Failed {
		s.Failed = append(s.Failed, ApplyProblem{string(f.Addr), f.Step, f.Err.Error()})
	}
	for _, f := range r.Skipped {
		s.Skipped = append(s.Skipped, ApplyProblem{string(f.Addr), f.Step, f.Err.Error()})
	}
	for _, c := range blocked {
		s.Blocked = append(s.Blocked, BlockedChange{Address: string(c.Addr), Summary: c.Summary,
			Reasons: append([]string{}, c.Reasons...)})
	}
	switch {
	case !r.OK() || len(unreadable) > 0:
		s.Status = StatusIncomplete
	case len(blocked) > 0:
		s.Status = StatusBlocked
	}
	return s
}

// Headline is the first words of the summary line.
func (s *ApplySummary) Headline() string {
	switch s.Status {
	case StatusComplete:
		return "Apply complete!"
	case StatusBlocked:
		return "Apply finished: all that could be done is done; only blocked changes remain."
	}
	return "Apply finished with problems."
}

// Resumable reports whether a re-apply has work to resume.
func (s *ApplySummary) Resumable() bool {
	return s.Interrupted > 0 || s.NotStarted > 0 || len(s.Failed) > 0 || len(s.StillWaiting) > 0
}

var summaryTemplate = parse("summary", `{{define "summary"}}
{{range .Failed}}Error: {{esc .Address}}: {{esc .Error}}
{{end}}
{{- range .Skipped}}Skipped: {{esc .Address}}: {{esc .Error}}
{{end}}
{{- range .StillWaiting}}Still in progress: {{esc .Address}}: {{esc .Error}}
{{end}}
{{- range .Blocked}}Blocked: {{esc .Address}}: {{esc (join .Reasons "; ")}}
{{end}}
{{- range .Unreadable}}Error: {{esc .}}: its live state could not be read (see the error above); nothing was done for it.
{{end}}
{{- .Headline}} {{.Done}} done, {{len .Failed}} failed, {{len .Skipped}} skipped, {{.Interrupted}} interrupted
{{- if .NotStarted}} (and {{.NotStarted}} not started){{end}}
{{- with .StillWaiting}}, {{len .}} still in progress{{end}}, {{len .Blocked}} blocked
{{- with .Unreadable}}, {{len .}} not read{{end}}.
{{if .Resumable}}The state is saved. Run ferry apply again to resume: nothing that was sent is sent twice.
{{end}}{{end}}`)

func roundDur(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

func ids(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = Escape(k) + "=" + Escape(m[k])
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
