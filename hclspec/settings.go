package hclspec

import (
	"fmt"
	"regexp"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/state"
)

var stateCheck = nonEmptyCheck

// settingsReader returns a reader for a block evaluated once, outside for_each.
func (l *loader) settingsReader(attrs hcl.Attributes) *attrReader {
	return &attrReader{l: l, attrs: attrs, ctx: l.scope.ctx(nil), ranges: map[string]hcl.Range{}}
}

// evalFerry evaluates the ferry { state, parallelism, reports } block into cfg.
func (l *loader) evalFerry(fb *ferryBlock, cfg *Config) {
	if fb == nil {
		return
	}
	r := l.settingsReader(fb.Attrs)
	r.unknownIsError = true
	cfg.StatePath, _, _ = r.str("state", false, stateCheck)
	cfg.Reports, _, _ = r.str("reports", false, nonEmptyCheck)
	if p := r.integer("parallelism", 1); p != nil {
		cfg.Parallelism = *p
	}
	bb := fb.Backend
	if bb == nil {
		return
	}
	if a := fb.Attrs["state"]; a != nil {
		l.errorf(rangePtr(a.Range), "Conflicting state settings",
			"ferry { state } names a local state file, but this ferry block also declares backend %q (at %s). Keep one: the backend for a shared state, or state for a local file.",
			bb.Type, where(bb.DeclRange))
	}
	br := l.settingsReader(bb.Attrs)
	br.unknownIsError = true
	cfg.Backend = &Backend{Type: bb.Type, DeclRange: bb.DeclRange}
	cfg.Backend.ConnStrEnv, _, _ = br.str("conn_str_env", false, envNameCheck)
	cfg.Backend.Schema, _, _ = br.str("schema", false, pgNameCheck("schema"))
	cfg.Backend.Workspace, _, _ = br.str("workspace", false, pgNameCheck("workspace"))
}

// envNameCheck accepts the name of an environment variable.
var envNameCheck = check{Summary: "Invalid environment variable name", Problem: func(s string) string {
	if !envNameRE.MatchString(s) {
		return fmt.Sprintf("%q is not an environment variable name: want letters, digits and underscores, not starting with a digit, "+
			"e.g. \"FERRY_PG_URL\". The connection string itself never goes in the spec.", s)
	}
	return ""
}}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// pgNameCheck accepts a PostgreSQL schema or workspace name as the backend allows them.
func pgNameCheck(what string) check {
	return check{Summary: "Invalid " + what, Problem: func(s string) string {
		if err := state.CheckPGName(what, s); err != nil {
			return err.Error() + "."
		}
		return ""
	}}
}

// settingsSchema is the body schema of a provider block: the provider's declared settings.
func settingsSchema(settings []providers.Setting) *hcl.BodySchema {
	s := &hcl.BodySchema{}
	for _, st := range settings {
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: st.Name})
	}
	return s
}

// evalProvider evaluates a provider block by its entry's settings: each value is converted to the
// setting's type and checked; the provider reads the result from the Config.
func (l *loader) evalProvider(p *providerBlock) providers.Config {
	r := l.settingsReader(p.Attrs)
	r.sensitiveOK = true
	pc := providers.Config{Name: p.Name, Values: map[string]cty.Value{}, Ranges: r.ranges, DeclRange: p.DeclRange}
	for _, st := range p.Entry.Settings {
		v, rng, ok := r.value(st.Name, st.Type)
		if !ok {
			continue
		}
		if st.Check != nil {
			if problem := st.Check(v); problem != "" {
				r.problem(rng, "Invalid "+st.Name, problem)
				continue
			}
		}
		pc.Values[st.Name] = v
	}
	return pc
}

// setOf returns names as a set, for suggest.
func setOf(names []string) map[string]bool {
	out := make(map[string]bool, len(names))
	for _, n := range names {
		out[n] = true
	}
	return out
}
