package hclspec

import (
	"fmt"
	"strings"

	"github.com/ferry-dev/ferry/model"
)

// checkSensitiveUse refuses sensitive variable values in resource arguments and instance keys:
// those are recorded in the state and in plan files, which must never hold a secret. Sensitive
// variables belong in provider blocks.
func (l *loader) checkSensitiveUse(cfg *Config) {
	if len(cfg.Sensitive) == 0 {
		return
	}
	for i := range cfg.Instances {
		inst := &cfg.Instances[i]
		for _, a := range sensitiveArgs(inst) {
			if !holdsSecret(a.value, cfg.Sensitive) {
				continue
			}
			subject := inst.DeclRange
			if inst.Subscription != nil {
				if r, ok := inst.Subscription.Ranges[a.name]; ok {
					subject = r
				}
			}
			l.errorf(rangePtr(subject), "Sensitive value in a resource argument",
				"%s of %s is set from a sensitive variable. Resource arguments and instance keys are recorded "+
					"in the state and in plan files, which never hold secrets: use sensitive variables only in "+
					"provider blocks, or drop sensitive = true if the value is not a secret.",
				a.name, redactedAddr(inst.Addr, cfg.Sensitive))
		}
	}
}

// minEmbeddedSecret is the shortest secret looked for inside a longer value; shorter ones (a "1", a
// "yes") would match by chance, so only an exact match counts for them.
const minEmbeddedSecret = 6

// holdsSecret reports whether v is, or (for secrets long enough to tell) contains, a secret.
func holdsSecret(v string, secrets []string) bool {
	if v == "" {
		return false
	}
	for _, s := range secrets {
		if v == s || (len(s) >= minEmbeddedSecret && strings.Contains(v, s)) {
			return true
		}
	}
	return false
}

type namedValue struct{ name, value string }

// sensitiveArgs lists the string arguments of an instance that reach the state or a plan.
func sensitiveArgs(inst *model.Instance) []namedValue {
	out := []namedValue{{"the instance key", instanceKey(inst.Addr)}}
	if s := inst.Subscription; s != nil {
		out = append(out, namedValue{"customer_id", s.CustomerID}, namedValue{"microsoft_domain", s.MicrosoftDomain},
			namedValue{"migrate_from", s.MigrateFrom})
		for i, a := range s.Addons {
			out = append(out, namedValue{fmt.Sprintf("addon[%d].migrate_from", i), a.MigrateFrom})
		}
		if c := s.Commerce; c != nil {
			out = append(out, namedValue{"commerce.account_id", c.AccountID},
				namedValue{"commerce.source_subscription_id", c.SourceSubscriptionID}, namedValue{"commerce.plan_id", c.PlanID})
		}
	}
	if s := inst.SkipList; s != nil {
		out = append(out, namedValue{"product", s.Product}, namedValue{"marketplace", s.Marketplace}, namedValue{"parameter", s.Parameter})
		for i, e := range s.Entries {
			out = append(out, namedValue{fmt.Sprintf("entries[%d]", i), e})
		}
	}
	if c := inst.Cutover; c != nil {
		out = append(out, namedValue{"source_server_id", c.SourceServerID})
	}
	return out
}

// instanceKey returns the for_each key of an address, or "" for a block without for_each.
func instanceKey(a model.Addr) string {
	p, err := model.ParseAddrParts(string(a))
	if err != nil || !p.HasKey {
		return ""
	}
	return p.Key
}

// redactedAddr names an instance without repeating a secret used as its key.
func redactedAddr(a model.Addr, secrets []string) string {
	if k := instanceKey(a); holdsSecret(k, secrets) {
		return strings.SplitN(string(a), "[", 2)[0] + "[(sensitive value)]"
	}
	return string(a)
}
