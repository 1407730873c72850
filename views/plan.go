package views

import (
	"bufio"
	"fmt"
	"github.com/fatih/color"
	"io"
	"sort"
	"strings"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/planner"
)

// PlanReport is the public form of a plan: what `plan` prints and `show PLANFILE` prints again. Its
// JSON (type "plan") is a documented projection of the plan: never the plan file, never the steps'
// provider payloads, never state entries.
type PlanReport struct {
	Header
	// RefreshOnly plans record what is live in the state and change nothing remote.
	RefreshOnly bool `json:"refresh_only"`
	// Targeted is true when --target limited the plan; Targets are those addresses.
	Targeted bool     `json:"targeted"`
	Targets  []string `json:"targets,omitempty"`
	// HasChanges is true when applying the plan would do anything (blocked changes do nothing).
	HasChanges bool `json:"has_changes"`
	// Summary counts the changes per action.
	Summary PlanSummary `json:"summary"`
	// Changes holds one change per instance, unchanged ones included, sorted by address.
	Changes []PlanChange `json:"changes"`
	// Unreadable are the instances whose live state could not be read: errors (reported as
	// diagnostics), not changes. A plan with any is not saved.
	Unreadable []string `json:"unreadable,omitempty"`
}

// PlanChange is what the plan does to one instance.
type PlanChange struct {
	// Address is the instance address, e.g. subscription.m365["5c1f…"]; Block is its block,
	// subscription.m365.
	Address  string `json:"address"`
	Block    string `json:"block"`
	Kind     string `json:"kind"`
	Provider string `json:"provider"`
	// Action is the neutral action (create, update, resume, import, forget, blocked, no-op);
	// ActionWord is how the kind says it ("migrate" for a subscription's create).
	Action     model.Action `json:"action"`
	ActionWord string       `json:"action_word"`
	// Summary is one human line about the change.
	Summary string `json:"summary,omitempty"`
	// Attributes are the values shown under the change, before → after.
	Attributes []Attribute `json:"attributes,omitempty"`
	// Reasons say why a change is blocked, or warn about it.
	Reasons []string `json:"reasons,omitempty"`
}

// Attribute is one attribute of a change: Before is empty for a new value.
type Attribute struct {
	Name   string `json:"name"`
	Before string `json:"before,omitempty"`
	After  string `json:"after"`
}

// Changed reports whether the attribute has a before value that differs from its after value.
func (a Attribute) Changed() bool { return a.Before != "" && a.Before != a.After }

// Listed reports whether text and markdown show the change: unchanged instances are only counted,
// unless there is something to note about them.
func (c PlanChange) Listed() bool { return c.Action != model.ActionNoop || len(c.Reasons) > 0 }

// PlanSummary counts the changes of a plan per neutral action. Words holds the summary line's parts
// (e.g. "3 to migrate"), which depend on the kinds in the plan; it is not part of the JSON.
type PlanSummary struct {
	Create  int `json:"create"`
	Resume  int `json:"resume"`
	Update  int `json:"update"`
	Import  int `json:"import"`
	NoOp    int `json:"no-op"`
	Forget  int `json:"forget"`
	Blocked int `json:"blocked"`
	// NotRead counts the instances that could not be read (errors, not changes).
	NotRead int `json:"not_read"`

	parts []string
}

// Count returns the number of changes with action a.
func (s PlanSummary) Count(a model.Action) int {
	switch a {
	case model.ActionCreate:
		return s.Create
	case model.ActionResume:
		return s.Resume
	case model.ActionUpdate:
		return s.Update
	case model.ActionImport:
		return s.Import
	case model.ActionNoop:
		return s.NoOp
	case model.ActionForget:
		return s.Forget
	case model.ActionBlocked:
		return s.Blocked
	}
	return 0
}

func (s *PlanSummary) add(a model.Action) {
	switch a {
	case model.ActionCreate:
		s.Create++
	case model.ActionResume:
		s.Resume++
	case model.ActionUpdate:
		s.Update++
	case model.ActionImport:
		s.Import++
	case model.ActionNoop:
		s.NoOp++
	case model.ActionForget:
		s.Forget++
	case model.ActionBlocked:
		s.Blocked++
	}
}

// Line is the summary line, e.g. "Plan: 12 to migrate, 3 to resume, 40 unchanged, 2 to forget.".
// Creations and updates are counted per display word of the kinds that have them ("3 to migrate, 2 to
// cut over"); with no creation at all the word is that of the first kind in the plan.
func (s PlanSummary) Line() string { return "Plan: " + strings.Join(s.parts, ", ") + "." }

// NewPlanReport projects a plan onto its public form.
func NewPlanReport(p *planner.Plan) *PlanReport {
	r := &PlanReport{Header: header(TypePlan), RefreshOnly: p.RefreshOnly, Targeted: len(p.Targets) > 0,
		Changes: make([]PlanChange, 0, len(p.Changes))}
	for _, t := range p.Targets {
		r.Targets = append(r.Targets, string(t))
	}
	for _, a := range p.Unreadable {
		r.Unreadable = append(r.Unreadable, string(a))
	}
	r.Summary.NotRead = len(r.Unreadable)
	for i := range p.Changes {
		c := &p.Changes[i]
		pc := PlanChange{Address: string(c.Addr), Block: blockOf(c.Addr), Kind: c.Kind, Provider: c.Provider,
			Action: c.Action, ActionWord: model.Word(c.Kind, c.Action), Summary: c.Summary,
			Reasons: append([]string(nil), c.Reasons...)}
		if len(c.Details) > 0 {
			pc.Attributes = make([]Attribute, 0, len(c.Details))
		}
		for _, d := range c.Details {
			pc.Attributes = append(pc.Attributes, Attribute{Name: d.Name, Before: d.Old, After: d.New})
		}
		r.Changes = append(r.Changes, pc)
		r.Summary.add(c.Action)
	}
	r.HasChanges = r.Summary.Create+r.Summary.Resume+r.Summary.Update+r.Summary.Import+r.Summary.Forget > 0
	r.Summary.parts = summaryParts(r.Changes, r.Summary)
	return r
}

// blockOf is the block of an instance address: subscription.m365 for subscription.m365["k"].
func blockOf(a model.Addr) string {
	if p, err := model.ParseAddrParts(string(a)); err == nil {
		return string(model.MakeAddr(p.Kind, p.Name, "", false))
	}
	return string(a)
}

// summaryParts builds the parts of the summary line.
func summaryParts(cs []PlanChange, s PlanSummary) []string {
	creates := wordCounts(cs, model.ActionCreate)
	if len(creates) == 0 {
		word := model.ActionCreate.Word()
		if k := firstKind(cs); k != "" {
			word = model.Word(k, model.ActionCreate)
		}
		creates = []wordCount{{Word: word}}
	}
	var parts []string
	for _, wc := range creates {
		parts = append(parts, fmt.Sprintf("%d to %s", wc.N, wc.Word))
	}
	parts = append(parts, fmt.Sprintf("%d to resume", s.Resume))
	for _, wc := range wordCounts(cs, model.ActionUpdate) {
		parts = append(parts, fmt.Sprintf("%d to %s", wc.N, wc.Word))
	}
	if s.Import > 0 {
		parts = append(parts, fmt.Sprintf("%d to import", s.Import))
	}
	parts = append(parts, fmt.Sprintf("%d unchanged", s.NoOp), fmt.Sprintf("%d to forget", s.Forget))
	if s.Blocked > 0 {
		parts = append(parts, fmt.Sprintf("%d blocked", s.Blocked))
	}
	if s.NotRead > 0 {
		parts = append(parts, fmt.Sprintf("%d not read (errors)", s.NotRead))
	}
	return parts
}

type wordCount struct {
	Word string
	N    int
}

// wordCounts counts the changes with action a per display word, in the order of the kind table
// (kinds not in it after, by name).
func wordCounts(cs []PlanChange, a model.Action) []wordCount {
	byKind := map[string]int{}
	for _, c := range cs {
		if c.Action == a {
			byKind[c.Kind]++
		}
	}
	var out []wordCount
	at := map[string]int{}
	for _, k := range kindOrder(byKind) {
		w := model.Word(k, a)
		if i, ok := at[w]; ok {
			out[i].N += byKind[k]
			continue
		}
		at[w] = len(out)
		out = append(out, wordCount{Word: w, N: byKind[k]})
	}
	return out
}

// kindOrder lists the kinds of m in the kind table's order, other kinds after, sorted.
func kindOrder[V any](m map[string]V) []string {
	var out, rest []string
	known := map[string]bool{}
	for _, k := range model.Kinds() {
		known[k.Name] = true
		if _, ok := m[k.Name]; ok {
			out = append(out, k.Name)
		}
	}
	for k := range m {
		if !known[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// firstKind is the kind of the plan that comes first in the kind table ("" for an empty plan).
func firstKind(cs []PlanChange) string {
	m := map[string]bool{}
	for _, c := range cs {
		m[c.Kind] = true
	}
	if ks := kindOrder(m); len(ks) > 0 {
		return ks[0]
	}
	return ""
}

// NotedUnchanged counts unchanged changes that carry a note (a reason).
func (r *PlanReport) NotedUnchanged() int {
	n := 0
	for _, c := range r.Changes {
		if c.Action == model.ActionNoop && len(c.Reasons) > 0 {
			n++
		}
	}
	return n
}

// Closing is the last line of the text plan when nothing would change ("" when something would).
func (r *PlanReport) Closing() string {
	s := r.Summary
	switch {
	case r.HasChanges:
		return ""
	case r.RefreshOnly:
		pending := r.NotedUnchanged()
		out := fmt.Sprintf("No changes to record: the state already holds what is live for every settled instance (%d).", len(r.Changes)-pending)
		if pending > 0 {
			out += fmt.Sprintf("\n%d instances have work pending that only a normal plan and apply can do; see ferry plan.", pending)
		}
		return out
	case s.NotRead > 0:
		return fmt.Sprintf("No changes that ferry can make: %d not read (errors), %d blocked, %d unchanged.", s.NotRead, s.Blocked, s.NoOp)
	case s.Blocked > 0:
		return fmt.Sprintf("No changes that ferry can make: %d blocked (see above), %d unchanged.", s.Blocked, s.NoOp)
	case r.NotedUnchanged() > 0:
		return fmt.Sprintf("No changes: %d unchanged, %d of them with a note above.", s.NoOp, r.NotedUnchanged())
	}
	return fmt.Sprintf("No changes. Every instance matches the spec (%d unchanged).", s.NoOp)
}

var planTemplate = parse("plan", `{{define "plan"}}
{{- if or .HasChanges .Summary.Blocked .Unreadable}}ferry will perform the following actions:

{{end}}{{end}}
{{define "plan_tail"}}
{{- range .Unreadable}}  {{red "!"}} {{bold (esc .)}} {{red "not read"}}
      its live state could not be read (see the error): not planned

{{end}}
{{- if .HasChanges}}{{bold .Summary.Line}}{{else}}{{.Closing}}{{end}}
{{end}}`)

// planChangesText renders the listed changes of a text plan: per change its line, summary, attributes
// and reasons. It is Go rather than template text because a plan of 100 000 changes spent seconds in
// text/template's reflection; views_test's golden files pin its output.
func (s style) planChangesText(b *bufio.Writer, cs []PlanChange) {
	paint := s.funcs()["paint"].(func(model.Action, any) string)
	bold := s.paint(color.Bold)
	for i := range cs {
		c := &cs[i]
		if !c.Listed() {
			continue
		}
		a := c.Action
		b.WriteString("  ")
		b.WriteString(paint(a, Symbol(a)))
		b.WriteByte(' ')
		b.WriteString(bold(Escape(c.Address)))
		b.WriteByte(' ')
		b.WriteString(paint(a, Escape(c.ActionWord)))
		if c.Summary != "" {
			b.WriteString("\n      ")
			b.WriteString(Escape(c.Summary))
		}
		for _, at := range c.Attributes {
			b.WriteString("\n      ")
			b.WriteString(Escape(at.Name))
			b.WriteString(": ")
			if at.Changed() {
				b.WriteString(Escape(at.Before))
				b.WriteString(" → ")
			}
			b.WriteString(Escape(at.After))
		}
		for _, r := range c.Reasons {
			b.WriteString("\n      ")
			b.WriteString(paint(a, "reason:"))
			b.WriteByte(' ')
			b.WriteString(Escape(r))
		}
		b.WriteString("\n\n")
	}
}

// WritePlan writes the plan for people: each change with its summary, attributes and reasons, then
// the summary line, or why nothing would change.
func WritePlan(w io.Writer, r *PlanReport, opt TextOptions) error {
	s := style{on: opt.Color}
	t, err := planTemplate.Clone()
	if err != nil {
		return err
	}
	t.Funcs(s.funcs())
	b := bufio.NewWriterSize(w, 256<<10)
	if err := t.ExecuteTemplate(b, "plan", r); err != nil {
		return err
	}
	s.planChangesText(b, r.Changes)
	if err := t.ExecuteTemplate(b, "plan_tail", r); err != nil {
		return err
	}
	return b.Flush()
}

// WritePlanJSON writes the plan as one JSON document of type "plan".
func WritePlanJSON(w io.Writer, r *PlanReport) error { return writeJSON(w, r, true) }
