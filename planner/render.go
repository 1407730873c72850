package planner

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/fatih/color"
	"github.com/ferry-dev/ferry/model"
)

// RenderOptions control text rendering.
type RenderOptions struct {
	// Color enables ANSI colours.
	Color bool
}

type palette struct{ add, resume, forget, blocked, bold, dim *color.Color }

func newPalette(on bool) palette {
	p := palette{
		add:     color.New(color.FgGreen),
		resume:  color.New(color.FgCyan),
		forget:  color.New(color.FgYellow),
		blocked: color.New(color.FgRed),
		bold:    color.New(color.Bold),
		dim:     color.New(color.Faint),
	}
	for _, c := range []*color.Color{p.add, p.resume, p.forget, p.blocked, p.bold, p.dim} {
		if on {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
	}
	return p
}

// symbol is the one-character mark of an action in text and markdown output.
func symbol(a model.Action) string {
	switch a {
	case model.ActionCreate:
		return "+"
	case model.ActionResume:
		return ">"
	case model.ActionUpdate:
		return "~"
	case model.ActionImport:
		return "<"
	case model.ActionForget:
		return "-"
	case model.ActionBlocked:
		return "!"
	}
	return " "
}

func (p palette) forAction(a model.Action) *color.Color {
	switch a {
	case model.ActionCreate, model.ActionImport:
		return p.add
	case model.ActionResume, model.ActionUpdate:
		return p.resume
	case model.ActionForget:
		return p.forget
	case model.ActionBlocked:
		return p.blocked
	}
	return p.dim
}

// RenderText writes the plan for people: each change with its summary, details and reasons, then the
// summary line, or "No changes." when there is nothing to do.
func RenderText(w io.Writer, p *Plan, opt RenderOptions) error {
	pal := newPalette(opt.Color)
	var b strings.Builder
	if p.HasChanges() || p.Summary().Blocked > 0 || len(p.Unreadable) > 0 {
		b.WriteString("ferry will perform the following actions:\n\n")
	}
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.Action == model.ActionNoop && len(c.Reasons) == 0 {
			continue // unchanged instances are counted, not listed, unless there is something to note
		}
		col := pal.forAction(c.Action)
		fmt.Fprintf(&b, "  %s %s %s\n", col.Sprint(symbol(c.Action)), pal.bold.Sprint(c.Addr), col.Sprint(model.Word(c.Kind, c.Action)))
		if c.Summary != "" {
			fmt.Fprintf(&b, "      %s\n", c.Summary)
		}
		for _, d := range c.Details {
			if d.Old != "" && d.Old != d.New {
				fmt.Fprintf(&b, "      %s: %s → %s\n", d.Name, d.Old, d.New)
			} else {
				fmt.Fprintf(&b, "      %s: %s\n", d.Name, d.New)
			}
		}
		for _, r := range c.Reasons {
			fmt.Fprintf(&b, "      %s %s\n", col.Sprint("reason:"), r)
		}
		b.WriteString("\n")
	}
	for _, a := range p.Unreadable {
		fmt.Fprintf(&b, "  %s %s %s\n      %s\n\n", pal.blocked.Sprint("!"), pal.bold.Sprint(a), pal.blocked.Sprint("not read"),
			"its live state could not be read (see the error): not planned")
	}
	s := p.Summary()
	if !p.HasChanges() && p.RefreshOnly {
		pending := 0
		for _, c := range p.Changes {
			if len(c.Reasons) > 0 && c.Action == model.ActionNoop {
				pending++
			}
		}
		fmt.Fprintf(&b, "No changes to record: the state already holds what is live for every settled instance (%d).\n", len(p.Changes)-pending)
		if pending > 0 {
			fmt.Fprintf(&b, "%d instances have work pending that only a normal plan and apply can do; see ferry plan.\n", pending)
		}
	} else if !p.HasChanges() {
		if s.Unreadable > 0 {
			fmt.Fprintf(&b, "No changes that ferry can make: %d not read (errors), %d blocked, %d unchanged.\n", s.Unreadable, s.Blocked, s.Unchanged)
		} else if s.Blocked > 0 {
			fmt.Fprintf(&b, "No changes that ferry can make: %d blocked (see above), %d unchanged.\n", s.Blocked, s.Unchanged)
		} else if noted := notedUnchanged(p); noted > 0 {
			fmt.Fprintf(&b, "No changes: %d unchanged, %d of them with a note above.\n", s.Unchanged, noted)
		} else {
			fmt.Fprintf(&b, "No changes. Every instance matches the spec (%d unchanged).\n", s.Unchanged)
		}
	} else {
		b.WriteString(pal.bold.Sprint(s.String()) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// jsonPlan is the machine-readable form of a plan: the plan itself plus its summary.
type jsonPlan struct {
	*Plan
	Summary    Summary `json:"summary"`
	HasChanges bool    `json:"has_changes"`
}

// RenderJSON writes the plan as one JSON document.
func RenderJSON(w io.Writer, p *Plan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(jsonPlan{Plan: p, Summary: p.Summary(), HasChanges: p.HasChanges()})
}

// RenderMarkdown writes the plan as a markdown table, for pull-request comments.
func RenderMarkdown(w io.Writer, p *Plan) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### ferry plan\n\n**%s**\n\n", p.Summary())
	if p.HasChanges() || p.Summary().Blocked > 0 || len(p.Unreadable) > 0 {
		b.WriteString("| | address | action | what |\n|---|---|---|---|\n")
		for _, c := range p.Changes {
			if c.Action == model.ActionNoop {
				continue
			}
			what := c.Summary
			if len(c.Reasons) > 0 {
				what += " — " + strings.Join(c.Reasons, "; ")
			}
			fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", symbol(c.Action), c.Addr, model.Word(c.Kind, c.Action), mdEscape(what))
		}
		for _, a := range p.Unreadable {
			fmt.Fprintf(&b, "| `!` | `%s` | not read | its live state could not be read: not planned (error) |\n", a)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

func notedUnchanged(p *Plan) int {
	n := 0
	for _, c := range p.Changes {
		if c.Action == model.ActionNoop && len(c.Reasons) > 0 {
			n++
		}
	}
	return n
}
