package hclspec

import (
	"fmt"
	"net/url"
	"regexp"

	"github.com/hashicorp/hcl/v2"

	"github.com/ferry-dev/ferry/providers"
)

// regionRE matches AWS region names such as eu-west-1 or us-gov-west-1.
var regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

var (
	endpointCheck = check{Summary: "Invalid endpoint", Problem: func(s string) string {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Sprintf("%q is not an absolute http(s) URL; want e.g. https://api.partnercenter.microsoft.com.", s)
		}
		return ""
	}}
	regionCheck = patternCheck("Invalid region", regionRE, "an AWS region name; want e.g. eu-west-1")
	stateCheck  = nonEmptyCheck
)

// settingsReader returns a reader for a block evaluated once, outside for_each.
func (l *loader) settingsReader(attrs hcl.Attributes) *attrReader {
	return &attrReader{l: l, attrs: attrs, ctx: l.scope.ctx(nil), ranges: map[string]hcl.Range{}}
}

// evalFerry evaluates the ferry { state, parallelism } block into cfg.
func (l *loader) evalFerry(fb *ferryBlock, cfg *Config) {
	if fb == nil {
		return
	}
	r := l.settingsReader(fb.Attrs)
	cfg.StatePath, _, _ = r.str("state", false, stateCheck)
	if p := r.integer("parallelism", 1); p != nil {
		cfg.Parallelism = *p
	}
}

// evalProvider evaluates a provider block.
func (l *loader) evalProvider(p *providerBlock) providers.ProviderConfig {
	r := l.settingsReader(p.Attrs)
	r.sensitiveOK = true
	pc := providers.ProviderConfig{Name: p.Name, DeclRange: p.DeclRange}
	pc.Endpoint, _, _ = r.str("endpoint", false, endpointCheck)
	pc.TenantID, _, _ = r.str("tenant_id", false, nonEmptyCheck)
	pc.Region, _, _ = r.str("region", false, regionCheck)
	return pc
}
