package hclspec

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/ferry-dev/ferry/providers"
)

// claim is the first instance that used a unique value.
type claim struct {
	Addr  providers.Addr
	What  string
	Range hcl.Range
}

// checkDuplicates reports values that must be unique across instances: legacy subscription IDs
// (bases and add-ons), skip-list entries per product, marketplace and parameter, and MGN source
// servers.
func (l *loader) checkDuplicates(cfg *Config) {
	legacy := map[string]claim{}
	entries := map[string]claim{}
	servers := map[string]claim{}
	for i := range cfg.Instances {
		inst := &cfg.Instances[i]
		rs := l.ranges[inst.Addr]
		switch {
		case inst.Subscription != nil:
			s := inst.Subscription
			l.claim(legacy, s.MigrateFrom, claim{inst.Addr, "subscription", rs["migrate_from"]}, "Duplicate legacy subscription",
				"Legacy subscription %s is migrated by %s here and by %s at %s. A legacy subscription can be migrated only once; remove one of them.")
			for j, a := range s.Addons {
				l.claim(legacy, a.MigrateFrom, claim{inst.Addr, "add-on", rs[fmt.Sprintf("addon[%d].migrate_from", j)]}, "Duplicate legacy subscription",
					"Legacy subscription %s is migrated by %s here and by %s at %s. A legacy subscription can be migrated only once; remove one of them.")
			}
		case inst.SkipList != nil:
			sl := inst.SkipList
			for j, e := range sl.Entries {
				key := sl.Product + "|" + sl.Marketplace + "|" + sl.Parameter + "|" + e
				rng := l.entryRanges[inst.Addr][j]
				if prev, dup := entries[key]; dup && prev.Addr != inst.Addr {
					l.problem(rng, "Duplicate skip-list entry",
						fmt.Sprintf("%s is listed by %s here and by %s at %s for the same product %s, marketplace %s and parameter %s. List each entry in one place only.",
							e, inst.Addr, prev.Addr, where(prev.Range), sl.Product, sl.Marketplace, sl.Parameter), "")
					continue
				}
				entries[key] = claim{inst.Addr, "entry", rng}
			}
		case inst.Cutover != nil:
			l.claim(servers, inst.Cutover.SourceServerID, claim{inst.Addr, "cutover", rs["source_server_id"]}, "Duplicate source server",
				"Source server %s is cut over by %s here and by %s at %s. A server can be cut over only once; remove one of them.")
		}
	}
}

// claim records c for a unique value, or reports a duplicate naming both places. format takes the
// value, this instance, the other instance and its range.
func (l *loader) claim(seen map[string]claim, value string, c claim, summary, format string) {
	if value == "" {
		return
	}
	key := strings.ToLower(value)
	prev, dup := seen[key]
	if !dup {
		seen[key] = c
		return
	}
	this, other := string(c.Addr), string(prev.Addr)
	if c.What == "add-on" {
		this = "an add-on of " + this
	}
	if prev.What == "add-on" {
		other = "an add-on of " + other
	}
	l.problem(c.Range, summary, fmt.Sprintf(format, value, this, other, where(prev.Range)), "")
}
