package views

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/ferry-dev/ferry/executor"
	"github.com/ferry-dev/ferry/model"
)

// EventLine is one progress event of an apply: a text line for people, a JSON line of type "event"
// for machines.
type EventLine struct {
	Header
	// Event is what happened: start, step, reconciled, progress, heartbeat, done, failed, skipped or
	// interrupted.
	Event   string    `json:"event"`
	Time    time.Time `json:"time"`
	Address string    `json:"address"`
	Step    string    `json:"step,omitempty"`
	Message string    `json:"message,omitempty"`
	// ElapsedSeconds is how long the change (done, failed) or the step (heartbeat) has run.
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

var eventTemplate = parse("event", `{{define "event"}}{{$m := esc .Message}}{{esc .Address}}: {{/**/ -}}
{{if eq .Event "start" "interrupted"}}{{$m}}
{{- else if eq .Event "step"}}{{$m}}…
{{- else if eq .Event "reconciled"}}{{$m}}{{.IDs}}
{{- else if eq .Event "progress"}}{{if .IDs}}{{or $m "sent"}}{{.IDs}}{{else}}{{$m}}{{end}}
{{- else if eq .Event "heartbeat"}}{{if $m}}still {{$m}}… [{{.Elapsed}} elapsed]{{else}}{{esc .Step}} still running… [{{.Elapsed}} elapsed]{{end}}
{{- else if eq .Event "done"}}{{green $m}}{{with .Elapsed}} [{{.}}]{{end}}{{.IDs}}
{{- else if eq .Event "failed"}}{{red "failed:"}} {{$m}}
{{- else if eq .Event "skipped"}}skipped: {{$m}}
{{- else}}{{$m}}{{end}}
{{end}}`)

// ApplyView prints an apply as it runs: its start, its events and its summary, as text lines or
// JSON lines. The executor calls Event one event at a time.
type ApplyView struct {
	w     io.Writer
	json  bool
	style style
	last  map[string]string // last progress message printed per address (no repeats)
}

// NewApplyView prints to w, as JSON lines when asJSON.
func NewApplyView(w io.Writer, asJSON bool, opt TextOptions) *ApplyView {
	return &ApplyView{w: w, json: asJSON, style: style{on: opt.Color && !asJSON}, last: map[string]string{}}
}

// Start announces the apply of n changes (text only).
func (v *ApplyView) Start(n, parallelism int) {
	if !v.json {
		fmt.Fprintf(v.w, "\nApplying %d %s (parallelism %d)…\n", n, plural(n, "change", "changes"), parallelism)
	}
}

// Event prints one event; progress that repeats the last message of its address is left out of text.
func (v *ApplyView) Event(e executor.Event) {
	line := NewEventLine(e)
	if v.json {
		_ = writeJSON(v.w, line, false)
		return
	}
	switch e.Type {
	case executor.EventStep:
		if e.Message == "" {
			return
		}
	case executor.EventProgress:
		if len(e.IDs) == 0 && (e.Message == "" || v.last[line.Address] == e.Message) {
			return
		}
		v.last[line.Address] = e.Message
	case executor.EventHeartbeat:
		line.Message = strings.TrimSuffix(line.Message, "…")
	case executor.EventDone, executor.EventFailed:
		delete(v.last, line.Address)
	}
	t := eventText{EventLine: line, IDs: ids(e.IDs)}
	if e.Elapsed > 0 {
		t.Elapsed = roundDur(e.Elapsed)
	}
	_ = render(v.w, eventTemplate, "event", v.style, t)
}

// Summary prints the apply's summary: text lines, or one JSON line of type "apply_summary".
func (v *ApplyView) Summary(s *ApplySummary) error {
	if v.json {
		return writeJSON(v.w, s, false)
	}
	return render(v.w, summaryTemplate, "summary", v.style, s)
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
