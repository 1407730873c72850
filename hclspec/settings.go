package hclspec

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/ferry-dev/ferry/providers"
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
	cfg.StatePath, _, _ = r.str("state", false, stateCheck)
	cfg.Reports, _, _ = r.str("reports", false, nonEmptyCheck)
	if p := r.integer("parallelism", 1); p != nil {
		cfg.Parallelism = *p
	}
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
