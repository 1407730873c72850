package views

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ferry-dev/ferry/executor"
)

// TypeApplyProgress is the "type" of apply's periodic progress line (--json).
const TypeApplyProgress = "apply_progress"

// ApplyProgress is where a whole apply stands at one moment: a summary line every interval in CI, the
// live status block on a terminal, an "apply_progress" JSON line with --json.
type ApplyProgress struct {
	Header
	Time           time.Time `json:"time"`
	ElapsedSeconds float64   `json:"elapsed_seconds"`
	// Total counts the changes being applied (blocked changes are not among them).
	Total int `json:"total"`
	// Queued: not started, or between two steps waiting for a slot. Sending: a step other than a wait
	// runs (it holds a parallelism slot). Waiting: the remote work is under way.
	Queued  int `json:"queued"`
	Sending int `json:"sending"`
	Waiting int `json:"waiting"`
	Done    int `json:"done"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
	// Interrupted, NotStarted: stopped by an interrupt; StillInProgress: the wait ended with the
	// remote work under way. A re-apply resumes all three.
	Interrupted     int `json:"interrupted"`
	NotStarted      int `json:"not_started"`
	StillInProgress int `json:"still_in_progress"`
	// Blocked counts the plan's blocked changes (not applied).
	Blocked int `json:"blocked"`
	// Rates are the mutating calls sent in the last minute, per provider, with its limit.
	Rates []ProgressRate `json:"rates"`
	// ETASeconds is the time left at the recent completion rate (absent while unknown).
	ETASeconds *float64 `json:"eta_seconds,omitempty"`
	// OldestWaits are the longest outstanding waits, oldest first.
	OldestWaits []ProgressWait `json:"oldest_waits"`
	// StatusReads counts the batched status reads so far.
	StatusReads int64 `json:"status_reads"`

	eta     time.Duration
	etaOK   bool
	elapsed time.Duration
}

// ProgressRate is one provider's sends in the last minute and its limit.
type ProgressRate struct {
	Provider       string `json:"provider"`
	SentLastMinute int    `json:"sent_last_minute"`
	// LimitPerMinute is the provider's documented send limit as calls per minute (absent: none).
	LimitPerMinute *float64 `json:"limit_per_minute,omitempty"`
	// Limit is the limit as the provider states it, e.g. "100 per 5m" (absent: none).
	Limit string `json:"limit,omitempty"`
	// AtLimit is true when the limit's window is full: sends wait NextSendSeconds for the next slot.
	AtLimit         bool     `json:"at_limit,omitempty"`
	NextSendSeconds *float64 `json:"next_send_seconds,omitempty"`

	nextIn time.Duration
}

// ProgressWait is one outstanding wait and how long it has waited.
type ProgressWait struct {
	Address        string  `json:"address"`
	Step           string  `json:"step"`
	WaitingSeconds float64 `json:"waiting_seconds"`

	age time.Duration
}

// NewApplyProgress converts an executor snapshot; blocked is the plan's blocked changes.
func NewApplyProgress(s executor.Snapshot, blocked int) *ApplyProgress {
	p := &ApplyProgress{Header: header(TypeApplyProgress), Time: s.Time, ElapsedSeconds: secs(s.Elapsed),
		Total: s.Total, Queued: s.Queued, Sending: s.Sending, Waiting: s.Waiting, Done: s.Done,
		Failed: s.Failed, Skipped: s.Skipped, Interrupted: s.Interrupted, NotStarted: s.NotStarted,
		StillInProgress: s.StillWaiting, Blocked: blocked, StatusReads: s.StatusReads,
		Rates: []ProgressRate{}, OldestWaits: []ProgressWait{}, elapsed: s.Elapsed, eta: s.ETA, etaOK: s.ETAKnown}
	if s.ETAKnown {
		e := secs(s.ETA)
		p.ETASeconds = &e
	}
	for _, r := range s.Rates {
		pr := ProgressRate{Provider: r.Provider, SentLastMinute: r.LastMinute}
		if m := r.Limit.PerMinute(); m > 0 {
			m = math.Round(m*100) / 100
			pr.LimitPerMinute = &m
			pr.Limit = fmt.Sprintf("%d per %s", r.Limit.Requests, shortDur(r.Limit.Per))
		}
		if r.AtLimit {
			n := secs(r.NextIn)
			pr.AtLimit, pr.NextSendSeconds, pr.nextIn = true, &n, r.NextIn
		}
		p.Rates = append(p.Rates, pr)
	}
	for _, w := range s.OldestWaits {
		p.OldestWaits = append(p.OldestWaits, ProgressWait{Address: string(w.Addr), Step: w.Step, WaitingSeconds: secs(w.For), age: w.For})
	}
	return p
}

func secs(d time.Duration) float64 { return math.Round(d.Seconds()*10) / 10 }

// Ended counts the changes that ended, however they ended.
func (p *ApplyProgress) Ended() int {
	return p.Done + p.Failed + p.Skipped + p.Interrupted + p.NotStarted + p.StillInProgress
}

// Elapsed is the run time so far, rounded to the second.
func (p *ApplyProgress) Elapsed() string { return shortDur(p.elapsed) }

// ETA is the time left, or "unknown".
func (p *ApplyProgress) ETA() string {
	if !p.etaOK {
		return "unknown"
	}
	return "~" + shortDur(p.eta)
}

// Percent is the share of the changes that ended.
func (p *ApplyProgress) Percent() int {
	if p.Total == 0 {
		return 100
	}
	return p.Ended() * 100 / p.Total
}

// Problems lists the non-zero counts of changes that ended without finishing ("3 failed, …").
func (p *ApplyProgress) Problems() string {
	var parts []string
	for _, c := range []struct {
		n    int
		what string
	}{{p.Failed, "failed"}, {p.Skipped, "skipped"}, {p.StillInProgress, "still in progress"},
		{p.Interrupted, "interrupted"}, {p.NotStarted, "not started"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	return strings.Join(parts, ", ")
}

// RateText is the send rate against the limit, one per provider: "sent in the last minute:
// <provider> 18 (limit 100 per 5m, 20/min)".
func (p *ApplyProgress) RateText() string {
	if len(p.Rates) == 0 {
		return "nothing sent yet"
	}
	parts := make([]string, len(p.Rates))
	for i, r := range p.Rates {
		parts[i] = fmt.Sprintf("%s %d", r.Provider, r.SentLastMinute)
		if r.LimitPerMinute != nil {
			parts[i] += fmt.Sprintf(" (limit %s, %s/min)", r.Limit, num(*r.LimitPerMinute))
		}
		if r.AtLimit {
			parts[i] += fmt.Sprintf(", at the limit: next send in %s", shortDur(r.nextIn))
		}
	}
	return "sent in the last minute: " + strings.Join(parts, ", ")
}

// Age is how long a wait has waited.
func (w ProgressWait) Age() string { return shortDur(w.age) }

// num prints a rate without a needless fraction.
func num(f float64) string {
	if f == math.Trunc(f) {
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return strconv.FormatFloat(f, 'f', 1, 64)
}

// shortDur rounds d to the second (a tenth under 10 s) and drops zero units: "1h2m", "4m10s", "3.5s".
func shortDur(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d < time.Hour:
		s := d.Round(time.Second).String()
		if strings.HasSuffix(s, "m0s") {
			s = strings.TrimSuffix(s, "0s")
		}
		return s
	}
	s := strings.TrimSuffix(d.Round(time.Minute).String(), "0s") // "1h2m0s" → "1h2m"
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// progressTemplate has the CI summary line ("line") and the live block ("block").
var progressTemplate = parse("progress", `{{define "line" -}}
Progress after {{.Elapsed}}: {{.Ended}}/{{.Total}} ended ({{.Done}} done{{with .Problems}}, {{.}}{{end}}
{{- if .Blocked}}; {{.Blocked}} blocked, not applied{{end}}); {{.Sending}} sending, {{.Waiting}} waiting, {{.Queued}} queued; {{.RateText}}; ETA {{.ETA}}
{{- with .OldestWaits}}; oldest wait {{(index . 0).Age}} {{(index . 0).Address}}{{end}}
{{end}}
{{- define "block" -}}
{{bold "Applying"}} {{.Total}} {{plural .Total "change" "changes"}}: {{.Ended}} ended ({{.Percent}}%) · {{.Elapsed}} elapsed · ETA {{.ETA}}
  {{green .Done}} done  {{if .Failed}}{{red .Failed}}{{else}}0{{end}} failed  {{.StillInProgress}} still in progress  {{.Blocked}} blocked
  {{- if .Skipped}}  {{.Skipped}} skipped{{end}}{{if .Interrupted}}  {{.Interrupted}} interrupted{{end}}
  {{.Queued}} queued  {{.Sending}} sending  {{.Waiting}} waiting at the remote system  ({{.StatusReads}} status reads)
  {{.RateText}}
{{range $i, $w := .OldestWaits}}  {{if eq $i 0}}oldest waits:{{else}}             {{end}} {{printf "%6s" .Age}}  {{.Address}}
{{end}}{{end}}`)

// liveBlock renders the live status block, each line cut to width columns and the block to
// height-1 lines when height is above 0 (the oldest waits, last, go first): a block taller than the
// terminal would scroll its first lines out of the redraw's reach.
func liveBlock(p *ApplyProgress, s style, width, height int) (string, int) {
	var b strings.Builder
	_ = render(&b, progressTemplate, "block", s, p)
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if height > 0 && len(lines) > max(height-1, 1) {
		lines = lines[:max(height-1, 1)]
	}
	for i, l := range lines {
		lines[i] = fit(l, width-1)
	}
	return strings.Join(lines, "\n") + "\n", len(lines)
}

// fit shortens s to n visible columns (ANSI colour sequences take none), ending it with "…".
func fit(s string, n int) string {
	if n <= 1 || visibleLen(s) <= n {
		return s
	}
	var b strings.Builder
	cols := 0
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			j := i + 1
			for j < len(s) && !(s[j] >= 0x40 && s[j] <= 0x7e && s[j] != '[') {
				j++
			}
			b.WriteString(s[i:min(j+1, len(s))])
			i = j + 1
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if cols == n-1 {
			b.WriteString("…")
			if strings.Contains(s, "\x1b[") {
				b.WriteString("\x1b[0m")
			}
			break
		}
		b.WriteRune(r)
		cols++
		i += size
	}
	return b.String()
}

func visibleLen(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			j := i + 1
			for j < len(s) && !(s[j] >= 0x40 && s[j] <= 0x7e && s[j] != '[') {
				j++
			}
			i = j + 1
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		n++
		i += size
	}
	return n
}
