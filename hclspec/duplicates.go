package hclspec

import (
	"fmt"
	"strings"
)

// checkDuplicates reports values that must be unique across instances, as each kind's claims say:
// legacy subscription IDs (bases and add-ons), skip-list entries per product, marketplace and
// parameter, and MGN source servers. Values compare case-insensitively.
func (l *loader) checkDuplicates(cfg *Config) {
	seen := map[string]claim{}
	for i := range cfg.Instances {
		inst := &cfg.Instances[i]
		k := l.kind(inst.Kind)
		if k == nil || k.claims == nil {
			continue
		}
		for _, c := range k.claims(l, inst) {
			if c.Value == "" {
				continue
			}
			key := c.Space + "|" + strings.ToLower(c.Value)
			prev, dup := seen[key]
			if !dup {
				seen[key] = c
				continue
			}
			if c.What == "entry" && prev.Addr == inst.Addr {
				continue // reported by the block's own check
			}
			this, other := string(c.Addr), string(prev.Addr)
			if c.What == "add-on" {
				this = "an add-on of " + this
			}
			if prev.What == "add-on" {
				other = "an add-on of " + other
			}
			l.problem(c.Range, c.Summary, fmt.Sprintf(c.Format, c.Value, this, other, where(prev.Range)), "")
		}
	}
}
