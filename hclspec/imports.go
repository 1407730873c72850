package hclspec

import (
	"strings"

	"github.com/ferry-dev/ferry/model"
	"github.com/hashicorp/hcl/v2"
)

// evalImports checks the import blocks and sets ImportID and ImportRange on their targets.
func (l *loader) evalImports(imports []*importBlock, cfg *Config, blocks map[string]*resourceBlock, instancesOf map[string][]model.Addr) []Import {
	var out []Import
	first := map[model.Addr]hcl.Range{}
	for _, ib := range imports {
		addr := ib.To.Addr()
		key := ib.To.Kind + "." + ib.To.Name
		rb := blocks[key]
		switch {
		case ib.To.Kind != model.KindSubscription:
			l.errorf(rangePtr(ib.ToRange), "Unsupported import target",
				"import blocks adopt existing New Commerce subscriptions; %s is a %s. Point to at a subscription instance.", addr, ib.To.Kind)
			continue
		case rb == nil:
			l.errorf(rangePtr(ib.ToRange), "Import to undeclared resource",
				"No subscription %q block is declared; an import needs a subscription block describing the imported subscription.%s", ib.To.Name, suggest(key, blockKeys(blocks)))
			continue
		case rb.ForEach != nil && !ib.To.HasKey:
			l.errorf(rangePtr(ib.ToRange), "Missing instance key",
				"%s has for_each, so the import must name one instance: %s[\"<key>\"].", key, key)
			continue
		case rb.ForEach == nil && ib.To.HasKey:
			l.errorf(rangePtr(ib.ToRange), "Unexpected instance key",
				"%s has no for_each, so it has no instance keys; write to = %s.", key, key)
			continue
		}
		inst := cfg.Instance(addr)
		if inst == nil {
			if len(instancesOf[key]) > 0 { // else for_each failed, already reported
				l.errorf(rangePtr(ib.ToRange), "Import to unknown instance",
					"%s names no instance: the for_each of %s has no key %s.", addr, key, model.QuoteKey(ib.To.Key))
			}
			continue
		}
		if prev, dup := first[addr]; dup {
			l.errorf(rangePtr(ib.ToRange), "Duplicate import",
				"%s is already imported by the import block at %s. An instance can be imported only once; remove one of them.", addr, where(prev))
			continue
		}
		first[addr] = ib.DeclRange
		id, ok := l.evalImportID(ib, inst)
		if !ok {
			continue
		}
		inst.ImportID, inst.ImportRange = id, ib.DeclRange
		out = append(out, Import{To: addr, ID: id, DeclRange: ib.DeclRange})
	}
	return out
}

// evalImportID evaluates and checks an import id: "<customer_id>/<subscription_id>", two GUIDs,
// the customer matching the instance's customer_id.
func (l *loader) evalImportID(ib *importBlock, inst *model.Instance) (string, bool) {
	r := l.settingsReader(hcl.Attributes{"id": ib.ID})
	id, rng, ok := r.str("id", true)
	if !ok {
		return "", false
	}
	customer, sub, found := strings.Cut(id, "/")
	if !found || !isGUID(customer) || !isGUID(sub) {
		l.errorf(rangePtr(rng), "Invalid import ID",
			"%q is not <customer_id>/<subscription_id>; want two GUIDs separated by a slash: the customer's tenant ID and the existing New Commerce subscription ID.", id)
		return "", false
	}
	if want := inst.Subscription.CustomerID; want != "" && !strings.EqualFold(customer, want) {
		l.errorf(rangePtr(rng), "Import ID of another customer",
			"The import ID's customer %s is not the customer_id of %s (%s). Use %s/<subscription_id>.", customer, inst.Addr, want, want)
		return "", false
	}
	return id, true
}
