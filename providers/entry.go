package providers

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/ferry-dev/ferry/providers/simkit"
)

// Entry is one line of the provider table: everything the rest of ferry knows of a provider.
// hclspec takes the block schema and the kinds it serves from it, app opens the provider through
// it, and the sandbox builds its simulator with it.
type Entry struct {
	// Name is the provider name used in specs (provider "NAME", via = "NAME") and sandbox URLs.
	Name string
	// Title names the remote system for people, e.g. "Microsoft Partner Center".
	Title string
	// Serves lists the block kinds (model.Kind*) whose instances this provider manages.
	Serves []string
	// Settings are the arguments of its provider block.
	Settings []Setting
	// SecretEnv names the environment variables that hold its credentials; their values are
	// redacted from all output.
	SecretEnv []string
	// CheckImportID checks the ID of `ferry import` before anything is read (nil: any ID); the
	// error says what a valid ID looks like.
	CheckImportID func(id string) error
	// Open builds the provider for an evaluated provider block. Nil: the provider is not built
	// yet, and its instances are planned as blocked with that reason.
	Open func(ctx context.Context, cfg Config, env Env) (Provider, error)
	// Simulator builds the sandbox simulator from the provider's section of a world file (nil or
	// empty: an empty world). Nil: the sandbox keeps the section as written and serves nothing.
	Simulator func(section json.RawMessage, env *simkit.Env) (simkit.Simulator, error)
	// Operations are the simulator's operation names as counted in /_sandbox/stats and named by
	// faults, e.g. "<provider>.CreateMigration".
	Operations []string
	// Durations are the kinds of remote work whose simulated time a world's behaviour.durations
	// may set, e.g. "<provider>.migration".
	Durations []string
}

// Built reports whether the provider can be opened in this build.
func (e *Entry) Built() bool { return e.Open != nil }

// Table is the provider table: one Entry per provider, in a fixed order.
type Table []Entry

// Lookup returns the entry named name, or nil.
func (t Table) Lookup(name string) *Entry {
	for i := range t {
		if t[i].Name == name {
			return &t[i]
		}
	}
	return nil
}

// Names returns the provider names in table order.
func (t Table) Names() []string {
	out := make([]string, len(t))
	for i := range t {
		out[i] = t[i].Name
	}
	return out
}

// Serving returns the names of the providers that serve kind, in table order.
func (t Table) Serving(kind string) []string {
	var out []string
	for i := range t {
		if slices.Contains(t[i].Serves, kind) {
			out = append(out, t[i].Name)
		}
	}
	return out
}

// Operations returns every simulator operation name of the table.
func (t Table) Operations() []string {
	var out []string
	for i := range t {
		out = append(out, t[i].Operations...)
	}
	return out
}

// Durations returns every duration kind of the table.
func (t Table) Durations() []string {
	var out []string
	for i := range t {
		out = append(out, t[i].Durations...)
	}
	return out
}

// SecretEnv returns every credential variable of the table.
func (t Table) SecretEnv() []string {
	var out []string
	for i := range t {
		out = append(out, t[i].SecretEnv...)
	}
	return out
}
