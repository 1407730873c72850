// Package planner turns the evaluated spec, the state and the live objects read through the providers
// into a Plan: one Change per resource instance, each an ordered list of Steps. It also reads and
// writes plan files. Plans are rendered by package views.
package planner

import (
	"sort"
	"time"

	"github.com/ferry-dev/ferry/model"
)

// FormatVersion is the version of the plan file format this build writes and reads.
const FormatVersion = 3

// Plan is what apply would do, and everything needed to refuse it when it has gone stale.
type Plan struct {
	// FormatVersion is the plan file format version.
	FormatVersion int `json:"format_version"`
	// Lineage and Serial identify the state the plan was made against.
	Lineage string `json:"lineage"`
	Serial  uint64 `json:"serial"`
	// SpecHash is the hash of the spec files and variable values the plan was made from.
	SpecHash string `json:"spec_hash"`
	// CreatedAt is when the plan was made.
	CreatedAt time.Time `json:"created_at"`
	// RefreshOnly plans only record what is live; they change nothing remote.
	RefreshOnly bool `json:"refresh_only,omitempty"`
	// Targets are the --target addresses the plan was limited to.
	Targets []model.Addr `json:"targets,omitempty"`
	// Changes holds one change per instance (unchanged ones included), sorted by address.
	Changes []model.Change `json:"changes"`
	// Unreadable are the instances whose live state could not be read (errors, reported as
	// diagnostics): they have no change. A plan with any is never saved.
	Unreadable []model.Addr `json:"unreadable,omitempty"`
}

// Summary counts the changes of a plan by action.
type Summary struct {
	Create    int `json:"create"`
	Resume    int `json:"resume"`
	Update    int `json:"update"`
	Import    int `json:"import"`
	Unchanged int `json:"unchanged"`
	Forget    int `json:"forget"`
	Blocked   int `json:"blocked"`
	// Unreadable counts the instances that could not be read (not changes: errors).
	Unreadable int `json:"unreadable,omitempty"`
}

// Summary counts the plan's changes by action.
func (p *Plan) Summary() Summary {
	s := Summary{Unreadable: len(p.Unreadable)}
	for i := range p.Changes {
		switch p.Changes[i].Action {
		case model.ActionCreate:
			s.Create++
		case model.ActionResume:
			s.Resume++
		case model.ActionUpdate:
			s.Update++
		case model.ActionImport:
			s.Import++
		case model.ActionNoop:
			s.Unchanged++
		case model.ActionForget:
			s.Forget++
		case model.ActionBlocked:
			s.Blocked++
		}
	}
	return s
}

// HasChanges reports whether applying the plan would do anything (blocked changes do nothing).
func (p *Plan) HasChanges() bool {
	for i := range p.Changes {
		if p.Changes[i].Action.Changes() {
			return true
		}
	}
	return false
}

// Actionable returns the changes apply must execute (neither unchanged nor blocked), in address order.
func (p *Plan) Actionable() []model.Change {
	var out []model.Change
	for _, c := range p.Changes {
		if c.Action != model.ActionNoop && c.Action != model.ActionBlocked {
			out = append(out, c)
		}
	}
	return out
}

func sortChanges(cs []model.Change) {
	sort.Slice(cs, func(i, j int) bool { return cs[i].Addr < cs[j].Addr })
}
