package views

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/ferry-dev/ferry/model"
)

// MarkdownLimit is the most characters a GitHub comment holds; WritePlanMarkdown stays under it.
const MarkdownLimit = 65536

// Levels of markdown detail, from every change in full to counts only. WritePlanMarkdown uses the
// first that fits.
const (
	mdFull      = iota // every listed change with its summary, attributes and reasons, per block
	mdAddresses        // per block and action: the addresses; reasons per reason with counts
	mdCounts           // per block and action: counts; reasons per reason with counts
	mdTopCounts        // per block and action: counts; the most common reasons with counts
	mdTotals           // the summary line alone
)

// mdReasonWidth bounds a reason in the summarised levels.
const mdReasonWidth = 300

// mdTopReasons is how many reasons mdTopCounts shows.
const mdTopReasons = 10

// mdDoc is a plan prepared for the markdown template at one level of detail.
type mdDoc struct {
	*PlanReport
	Level  int
	Note   string
	Blocks []mdBlock
	// Reasons are the most common reasons of the whole plan (mdTopCounts), Others the rest.
	Reasons      []reasonCount
	OtherReasons int
	OtherChanges int
}

// mdBlock is one block of the spec with its listed changes.
type mdBlock struct {
	Name    string
	Counts  string // e.g. "2 to migrate, 1 blocked"
	Changes []PlanChange
	Actions []mdAction
	Reasons []reasonCount
}

// mdAction is the changes of one block with one action.
type mdAction struct {
	Action    model.Action
	Word      string
	Addresses []string
}

type reasonCount struct {
	Reason string
	N      int
}

var mdTemplate = parse("markdown", `{{define "head"}}### ferry plan

**{{.Summary.Line}}**
{{- if .RefreshOnly}}

_Refresh-only: this plan records what is live in the state and changes nothing remote._{{end}}
{{- if .Targeted}}

_Targeted: limited to {{range $i, $t := .Targets}}{{if $i}}, {{end}}{{code $t}}{{end}}._{{end}}
{{- with .Note}}

> **Summarised.** {{.}}{{end}}
{{end}}

{{- define "reasons"}}{{range .}}
- {{.N}} {{plural .N "change" "changes"}}: {{md .Reason}}{{end}}{{end}}

{{- define "markdown"}}{{template "head" .}}
{{- with .Unreadable}}
#### Not read (errors)
{{if le $.Level 1}}
{{range .}}- {{code "!"}} {{code .}} **not read**: its live state could not be read: not planned (see the errors)
{{end}}{{else}}
{{len .}} {{plural (len .) "instance" "instances"}} could not be read: not planned (see the errors).
{{end}}{{end}}
{{- if eq .Level 0}}{{range .Blocks}}
#### {{code .Name}}: {{.Counts}}
{{range .Changes}}{{$a := .Action}}
- {{code (mdSymbol $a)}} {{code .Address}} **{{md .ActionWord}}**{{with .Summary}}: {{md .}}{{end}}
{{- range .Attributes}}
  - {{md .Name}}: {{if .Changed}}{{md .Before}} → {{end}}{{md .After}}{{end}}
{{- range .Reasons}}
  - reason: {{md .}}{{end}}{{end}}
{{end}}
{{- else if eq .Level 1}}{{range .Blocks}}
#### {{code .Name}}: {{.Counts}}
{{range .Actions}}
- {{code (mdSymbol .Action)}} **{{md .Word}}** ({{len .Addresses}}): {{range $i, $a := .Addresses}}{{if $i}}, {{end}}{{code $a}}{{end}}{{end}}
{{- with .Reasons}}

Reasons:
{{- template "reasons" .}}{{end}}
{{end}}
{{- else if or (eq .Level 2) (eq .Level 3)}}
| block | changes |
|---|---|
{{- range .Blocks}}
| {{code .Name}} | {{.Counts}} |{{end}}
{{if eq .Level 2}}{{range .Blocks}}{{$b := .Name}}{{with .Reasons}}
Reasons in {{code $b}}:
{{- template "reasons" .}}
{{end}}{{end}}{{else}}{{with .Reasons}}
The {{len .}} most common reasons:
{{- template "reasons" .}}
{{- if $.OtherReasons}}
- and {{$.OtherReasons}} other {{plural $.OtherReasons "reason" "reasons"}} (given {{$.OtherChanges}} {{plural $.OtherChanges "time" "times"}}){{end}}
{{end}}{{end}}
{{- end}}
{{- if not .HasChanges}}
{{md .Closing}}
{{end}}{{end}}`)

// WritePlanMarkdown writes the plan as markdown for a pull-request comment: per block, each change
// with its summary, attributes (before → after) and reasons. When that would exceed MarkdownLimit
// characters, it groups instead (per block and action, then per reason, with counts) and says what
// it summarised.
func WritePlanMarkdown(w io.Writer, r *PlanReport) error {
	return writePlanMarkdown(w, r, MarkdownLimit)
}

func writePlanMarkdown(w io.Writer, r *PlanReport, limit int) error {
	var full int
	for level := mdFull; level <= mdTotals; level++ {
		doc := markdownDoc(r, level, full, limit)
		var b strings.Builder
		if err := render(&b, mdTemplate, "markdown", style{}, doc); err != nil {
			return err
		}
		out := b.String()
		if level == mdFull {
			full = len(out)
		}
		if len(out) < limit || level == mdTotals {
			if len(out) >= limit { // a plan of very many blocks: cut at a line, and say so
				cut := "\n\n> **Cut:** the rest of this summary is left out to fit a GitHub comment.\n"
				out = out[:strings.LastIndexByte(out[:limit-len(cut)], '\n')] + cut
			}
			_, err := io.WriteString(w, out)
			return err
		}
	}
	return nil
}

// markdownDoc prepares the plan at one level of detail; full is the length of the full document.
func markdownDoc(r *PlanReport, level, full, limit int) mdDoc {
	doc := mdDoc{PlanReport: r, Level: level}
	listed := 0
	blocks := map[string]*mdBlock{}
	var order []string
	for _, c := range r.Changes {
		if !c.Listed() {
			continue
		}
		listed++
		b := blocks[c.Block]
		if b == nil {
			b = &mdBlock{Name: c.Block}
			blocks[c.Block] = b
			order = append(order, c.Block)
		}
		b.Changes = append(b.Changes, c)
	}
	sort.Strings(order)
	all := map[string]int{}
	for _, name := range order {
		b := blocks[name]
		b.Counts, b.Actions = blockCounts(b.Changes)
		b.Reasons = countReasons(b.Changes, nil)
		countReasons(b.Changes, all)
		doc.Blocks = append(doc.Blocks, *b)
	}
	what := ""
	switch level {
	case mdFull:
		return doc
	case mdAddresses:
		what = "the summary, attributes and reasons of each change are left out; changes are listed by address per block and action, and reasons are grouped per reason with the number of changes."
	case mdCounts:
		what = "the changes are counted per block and action (their addresses, summaries and attributes are left out), and reasons are grouped per reason with the number of changes."
	case mdTopCounts:
		what = fmt.Sprintf("the changes are counted per block and action (their addresses, summaries and attributes are left out), and only the %d most common reasons are shown, with the number of changes.", mdTopReasons)
		doc.Reasons, doc.OtherReasons, doc.OtherChanges = topReasons(all, mdTopReasons)
	case mdTotals:
		what = "only the summary line is shown: blocks, addresses, attributes and reasons are left out."
		doc.Blocks = nil
	}
	doc.Note = fmt.Sprintf("The %d %s of this plan are too many for one GitHub comment in full (%d characters; the limit is %d), so %s Run `ferry plan`, or `ferry show` with the saved plan, to see every change in full.",
		listed, plural(listed, "change", "changes"), full, limit, what)
	return doc
}

// blockCounts counts a block's changes per action ("2 to migrate, 1 blocked") and lists their
// addresses per action, in the order of model.Actions.
func blockCounts(cs []PlanChange) (string, []mdAction) {
	var parts []string
	var acts []mdAction
	for _, a := range model.Actions() {
		var act *mdAction
		for _, c := range cs {
			if c.Action != a {
				continue
			}
			if act == nil {
				acts = append(acts, mdAction{Action: a, Word: c.ActionWord})
				act = &acts[len(acts)-1]
			}
			act.Addresses = append(act.Addresses, c.Address)
		}
		if act == nil {
			continue
		}
		n := len(act.Addresses)
		switch a {
		case model.ActionBlocked:
			parts = append(parts, fmt.Sprintf("%d blocked", n))
		case model.ActionNoop:
			parts = append(parts, fmt.Sprintf("%d unchanged with a note", n))
		default:
			parts = append(parts, fmt.Sprintf("%d to %s", n, act.Word))
		}
	}
	return strings.Join(parts, ", "), acts
}

// countReasons groups the reasons of cs by text (cut to mdReasonWidth), most common first; it also
// adds them to all when all is not nil.
func countReasons(cs []PlanChange, all map[string]int) []reasonCount {
	m := map[string]int{}
	for _, c := range cs {
		for _, r := range c.Reasons {
			r = cut(r, mdReasonWidth)
			m[r]++
			if all != nil {
				all[r]++
			}
		}
	}
	out, _, _ := topReasons(m, len(m))
	return out
}

// topReasons returns the n most common reasons of m, and how many other reasons and occurrences
// there are.
func topReasons(m map[string]int, n int) (top []reasonCount, others, otherChanges int) {
	for r, k := range m {
		top = append(top, reasonCount{Reason: r, N: k})
	}
	sort.Slice(top, func(i, j int) bool {
		if top[i].N != top[j].N {
			return top[i].N > top[j].N
		}
		return top[i].Reason < top[j].Reason
	})
	if len(top) > n {
		for _, rc := range top[n:] {
			others++
			otherChanges += rc.N
		}
		top = top[:n]
	}
	return top, others, otherChanges
}

// cut shortens s to at most n runes, marking the cut with "…".
func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
