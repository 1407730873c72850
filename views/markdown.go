package views

import (
	"fmt"
	"io"
	"regexp"
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
	mdMixed            // per block, the most detailed of full, addresses or counts that fits the budget
	mdTopCounts        // per block and action: counts; the most common reasons with counts
	mdTotals           // the summary line alone
)

// Levels of one block in an mdMixed document.
const (
	lvlFull      = iota // every change in full
	lvlAddresses        // per action: the addresses; reasons grouped, with counts
	lvlCounts           // a row of the table of counts; reasons grouped, with counts
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
	// Counted are the blocks of an mdMixed document shown as counts (a table).
	Counted []mdBlock
}

// mdBlock is one block of the spec with its listed changes.
type mdBlock struct {
	Name string
	// Level is the block's level of detail in an mdMixed document (lvlFull, …).
	Level   int
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

// reasonCount is a group of like reasons: Reason is the first of them, N how many there are, and
// Varied is true when they differ (in IDs and numbers only; see reasonKey).
type reasonCount struct {
	Reason string
	N      int
	Varied bool
	key    string
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
- {{.N}} {{plural .N "change" "changes"}}{{if .Varied}} like this one (IDs and numbers differ){{end}}: {{md .Reason}}{{end}}{{end}}

{{- define "block-full"}}
#### {{code .Name}}: {{.Counts}}
{{range .Changes}}{{$a := .Action}}
- {{code (mdSymbol $a)}} {{code .Address}} **{{md .ActionWord}}**{{with .Summary}}: {{md .}}{{end}}
{{- range .Attributes}}
  - {{md .Name}}: {{if .Changed}}{{md .Before}} → {{end}}{{md .After}}{{end}}
{{- range .Reasons}}
  - reason: {{md .}}{{end}}{{end}}
{{end}}

{{- define "block-addresses"}}
#### {{code .Name}}: {{.Counts}}
{{range .Actions}}
- {{code (mdSymbol .Action)}} **{{md .Word}}** ({{len .Addresses}}): {{range $i, $a := .Addresses}}{{if $i}}, {{end}}{{code $a}}{{end}}{{end}}
{{- with .Reasons}}

Reasons:
{{- template "reasons" .}}{{end}}
{{end}}

{{- define "count-rows"}}{{range .}}
| {{code .Name}} | {{.Counts}} |{{end}}{{end}}

{{- define "count-reasons"}}{{range .}}{{$b := .Name}}{{with .Reasons}}
Reasons in {{code $b}}:
{{- template "reasons" .}}
{{end}}{{end}}{{end}}

{{- define "markdown"}}{{template "head" .}}
{{- with .Unreadable}}
#### Not read (errors)
{{if le $.Level 1}}
{{range .}}- {{code "!"}} {{code .}} **not read**: its live state could not be read: not planned (see the errors)
{{end}}{{else}}
{{len .}} {{plural (len .) "instance" "instances"}} could not be read: not planned (see the errors).
{{end}}{{end}}
{{- if eq .Level 0}}{{range .Blocks}}{{template "block-full" .}}{{end}}
{{- else if eq .Level 1}}{{range .Blocks}}{{if eq .Level 0}}{{template "block-full" .}}{{else if eq .Level 1}}{{template "block-addresses" .}}{{end}}{{end}}
{{- with .Counted}}{{if lt (len .) (len $.Blocks)}}
#### Other blocks, counted
{{end}}
| block | changes |
|---|---|
{{- template "count-rows" .}}
{{template "count-reasons" .}}{{end}}
{{- else if eq .Level 2}}
| block | changes |
|---|---|
{{- template "count-rows" .Blocks}}
{{with .Reasons}}
The {{len .}} most common reasons:
{{- template "reasons" .}}
{{- if $.OtherReasons}}
- and {{$.OtherReasons}} other {{plural $.OtherReasons "reason" "reasons"}} (given {{$.OtherChanges}} {{plural $.OtherChanges "time" "times"}}){{end}}
{{end}}
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
		out, err := renderMarkdown(doc)
		if err != nil {
			return err
		}
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

func renderMarkdown(doc mdDoc) (string, error) {
	var b strings.Builder
	err := render(&b, mdTemplate, "markdown", style{}, doc)
	return b.String(), err
}

// renderBlock is the length of one block rendered by the named template (of mdTemplate).
func renderBlock(name string, data any) int {
	var b strings.Builder
	if err := render(&b, mdTemplate, name, style{}, data); err != nil {
		return 1 << 30
	}
	return b.Len()
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
	all := map[string]*reasonCount{}
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
	case mdMixed:
		what = mixBlocks(&doc, limit)
	case mdTopCounts:
		what = fmt.Sprintf("the changes are counted per block and action (their addresses, summaries and attributes are left out), and only the %d most common reasons are shown, with the number of changes (reasons that differ only in IDs and numbers count as one).", mdTopReasons)
		doc.Reasons, doc.OtherReasons, doc.OtherChanges = topReasons(all, mdTopReasons)
	case mdTotals:
		what = "only the summary line is shown: blocks, addresses, attributes and reasons are left out."
		doc.Blocks = nil
	}
	doc.Note = fmt.Sprintf("The %d %s of this plan are too many for one GitHub comment in full (%d characters; the limit is %d), so %s Run `ferry plan`, or `ferry show` with the saved plan, to see every change in full.",
		listed, plural(listed, "change", "changes"), full, limit, what)
	return doc
}

// mdNoteRoom is the room kept for the note of a summarised document when choosing block levels.
const mdNoteRoom = 1500

// mixBlocks chooses each block's level of detail for an mdMixed document: every block starts as a
// row of counts; then, in order, each is listed by address where that fits the budget, then shown in
// full where that fits. It returns what the note says about it.
func mixBlocks(doc *mdDoc, limit int) string {
	blocks := doc.Blocks
	for i := range blocks {
		blocks[i].Level = lvlCounts
	}
	base, err := renderMarkdown(mdDoc{PlanReport: doc.PlanReport, Level: mdMixed, Blocks: blocks, Counted: blocks})
	if err != nil {
		return ""
	}
	used := len(base) + mdNoteRoom
	cost := func(b mdBlock, level int) int {
		switch level {
		case lvlFull:
			return renderBlock("block-full", b)
		case lvlAddresses:
			return renderBlock("block-addresses", b)
		}
		return renderBlock("count-rows", []mdBlock{b}) + renderBlock("count-reasons", []mdBlock{b})
	}
	for _, level := range []int{lvlAddresses, lvlFull} {
		for i := range blocks {
			now, next := cost(blocks[i], blocks[i].Level), cost(blocks[i], level)
			if used-now+next < limit {
				used += next - now
				blocks[i].Level = level
			}
		}
	}
	var n [3]int
	for _, b := range blocks {
		n[b.Level]++
		if b.Level == lvlCounts {
			doc.Counted = append(doc.Counted, b)
		}
	}
	var parts []string
	if n[lvlFull] > 0 {
		parts = append(parts, fmt.Sprintf("%d of the %d blocks are shown in full", n[lvlFull], len(blocks)))
	}
	if n[lvlAddresses] > 0 {
		parts = append(parts, fmt.Sprintf("%d %s listed by address per action (summaries, attributes and reasons of each change are left out)",
			n[lvlAddresses], plural(n[lvlAddresses], "block is", "blocks are")))
	}
	if n[lvlCounts] > 0 {
		parts = append(parts, fmt.Sprintf("%d %s counted per action in the table (addresses, summaries and attributes are left out)",
			n[lvlCounts], plural(n[lvlCounts], "block is", "blocks are")))
	}
	return strings.Join(parts, ", ") + "; reasons are grouped with the number of changes (reasons that differ only in IDs and numbers count as one, shown by an example)."
}

// lvlCounts counts a block's changes per action ("2 to migrate, 1 blocked") and lists their
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

// countReasons groups the reasons of cs by reasonKey, most common first; it also adds them to all
// when all is not nil. A group shows its first reason (cut to mdReasonWidth).
func countReasons(cs []PlanChange, all map[string]*reasonCount) []reasonCount {
	m := map[string]*reasonCount{}
	add := func(m map[string]*reasonCount, r, k string) {
		rc := m[k]
		if rc == nil {
			m[k] = &reasonCount{Reason: cut(r, mdReasonWidth), key: k, N: 1}
			return
		}
		rc.N++
		if rc.Reason != cut(r, mdReasonWidth) {
			rc.Varied = true
		}
	}
	for _, c := range cs {
		for _, r := range c.Reasons {
			k := reasonKey(r)
			add(m, r, k)
			if all != nil {
				add(all, r, k)
			}
		}
	}
	out, _, _ := topReasons(m, len(m))
	return out
}

// topReasons returns the n most common reasons of m, and how many other reasons and occurrences
// there are.
func topReasons(m map[string]*reasonCount, n int) (top []reasonCount, others, otherChanges int) {
	for _, rc := range m {
		top = append(top, *rc)
	}
	sort.Slice(top, func(i, j int) bool {
		if top[i].N != top[j].N {
			return top[i].N > top[j].N
		}
		return top[i].key < top[j].key
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

// Identifiers and numbers that make otherwise equal reasons differ: GUIDs, ISO dates and times,
// Connect IDs (AS-1564-9639-4055, PRD-183-233-565, MP-65669), MGN IDs (s-…, mgnjob-…), catalog and
// promotion IDs (CFQ7TTC0LF8Q:0001, 39NFJQT1Q5KL:0001) and numbers of three or more digits.
var (
	reGUID    = regexp.MustCompile(`(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`)
	reDate    = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?\b`)
	reConnect = regexp.MustCompile(`\b[A-Z]{2,3}(?:-\d{3,5})+\b`)
	reMGN     = regexp.MustCompile(`\b(?:s|mgnjob)-[0-9a-zA-Z]{17}\b`)
	reCatalog = regexp.MustCompile(`\b[0-9A-Z]{8,}(?::[0-9A-Z]{4,})*\b`)
	reNumber  = regexp.MustCompile(`\d{3,}`)
	// reCode is an eligibility code name at the start of a reason ("SubscriptionIsTrial: …").
	reCode = regexp.MustCompile(`^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+:`)
)

// reasonKey is what like reasons share: the eligibility code name when the reason starts with one,
// else the reason with its identifiers and long numbers replaced by "…".
func reasonKey(r string) string {
	if c := reCode.FindString(r); c != "" {
		return c
	}
	r = reGUID.ReplaceAllString(r, "…")
	r = reDate.ReplaceAllString(r, "…")
	r = reConnect.ReplaceAllString(r, "…")
	r = reMGN.ReplaceAllString(r, "…")
	r = reCatalog.ReplaceAllStringFunc(r, func(id string) string {
		if strings.ContainsAny(id, "0123456789") {
			return "…"
		}
		return id
	})
	return reNumber.ReplaceAllString(r, "…")
}

// cut shortens s to at most n runes, marking the cut with "…".
func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
