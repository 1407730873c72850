package hclspec

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/ferry-dev/ferry/model"
)

// kindSpec is one row of the block-kind table: how a resource block of the kind is decoded (schema
// and nested blocks), evaluated into an instance, and which of its values must be unique across the
// spec. Which providers serve a kind comes from the provider table (providers.Entry.Serves).
type kindSpec struct {
	// name is the block type (a model.Kind* constant).
	name string
	// attrs are the block's arguments besides for_each and depends_on; required ones are marked.
	attrs []hcl.AttributeSchema
	// nested are the nested block types the kind accepts.
	nested []nestedSpec
	// providerAttr is the argument that names the provider (subscription's via); "" when the kind
	// is served by exactly one provider.
	providerAttr string
	// eval evaluates the kind's arguments into inst (its typed field).
	eval func(l *loader, r *attrReader, rb *resourceBlock, inst *model.Instance)
	// claims lists the values of inst that no other instance may use.
	claims func(l *loader, inst *model.Instance) []claim
}

// nestedSpec is a nested block type of a resource kind.
type nestedSpec struct {
	name     string
	attrs    []hcl.AttributeSchema
	repeated bool // may appear more than once (addon)
}

// kindTable lists every resource block kind of the language.
func kindTable() []kindSpec {
	return []kindSpec{
		{
			name: model.KindSubscription,
			attrs: append(attrs("via", "microsoft_domain", "purchase_full_term", "quantity", "custom_term_end_date"),
				required("customer_id", "migrate_from", "term_duration", "billing_cycle")...),
			nested: []nestedSpec{
				{name: blockAddon, attrs: append(required("migrate_from"), attrs("term_duration", "billing_cycle", "purchase_full_term", "custom_term_end_date", "plan_id")...), repeated: true},
				{name: blockSchedule, attrs: attrs("on_renewal", "date")},
				{name: blockCommerce, attrs: required("account_id", "source_subscription_id", "plan_id", "mode")},
				{name: blockTimeouts, attrs: attrs("order", "migration")},
			},
			providerAttr: "via",
			eval: func(l *loader, r *attrReader, rb *resourceBlock, inst *model.Instance) {
				inst.Subscription = l.evalSubscription(r, rb)
				inst.Provider = inst.Subscription.Via
			},
			claims: subscriptionClaims,
		},
		{
			name:  model.KindSkipList,
			attrs: append(attrs("parameter"), required("product", "marketplace", "entries")...),
			eval: func(l *loader, r *attrReader, rb *resourceBlock, inst *model.Instance) {
				inst.SkipList, l.entryRanges[inst.Addr] = l.evalSkipList(r)
			},
			claims: skipListClaims,
		},
		{
			name:  model.KindCutover,
			attrs: append(attrs("require_test", "max_lag", "finalize", "archive"), required("source_server_id")...),
			nested: []nestedSpec{
				{name: blockTimeouts, attrs: attrs("cutover")},
			},
			eval: func(l *loader, r *attrReader, rb *resourceBlock, inst *model.Instance) {
				inst.Cutover = l.evalCutover(r, rb)
			},
			claims: cutoverClaims,
		},
	}
}

// kind returns the table row of a block type, or nil when it is not a resource kind.
func (l *loader) kind(name string) *kindSpec { return lookupKind(l.kinds, name) }

func lookupKind(kinds []kindSpec, name string) *kindSpec {
	for i := range kinds {
		if kinds[i].name == name {
			return &kinds[i]
		}
	}
	return nil
}

// schema returns the body schema of the kind's blocks.
func (k *kindSpec) schema() *hcl.BodySchema {
	s := &hcl.BodySchema{Attributes: append(attrs(attrForEach, attrDependsOn), k.attrs...)}
	for _, n := range k.nested {
		s.Blocks = append(s.Blocks, hcl.BlockHeaderSchema{Type: n.name})
	}
	return s
}

// nestedSpec returns the spec of a nested block type of the kind; the schema only admits declared
// ones, so a miss is a programming error reported as a diagnostic rather than a panic.
func (k *kindSpec) nestedSpec(name string) *nestedSpec {
	for i := range k.nested {
		if k.nested[i].name == name {
			return &k.nested[i]
		}
	}
	return nil
}

// claim is one value of an instance that must be unique across the spec: Space separates kinds of
// values (legacy subscriptions, skip-list entries, source servers).
type claim struct {
	Space   string
	Value   string
	Addr    model.Addr
	What    string // "subscription", "add-on", "entry", "cutover"
	Range   hcl.Range
	Summary string
	// Format takes the value, this instance, the other instance and the other's position.
	Format string
}

func subscriptionClaims(l *loader, inst *model.Instance) []claim {
	const summary = "Duplicate legacy subscription"
	const format = "Legacy subscription %s is migrated by %s here and by %s at %s. A legacy subscription can be migrated only once; remove one of them."
	s, rs := inst.Subscription, l.ranges[inst.Addr]
	out := []claim{{Space: "legacy", Value: s.MigrateFrom, Addr: inst.Addr, What: "subscription", Range: rs["migrate_from"], Summary: summary, Format: format}}
	for j, a := range s.Addons {
		out = append(out, claim{Space: "legacy", Value: a.MigrateFrom, Addr: inst.Addr, What: "add-on",
			Range: rs[fmt.Sprintf("addon[%d].migrate_from", j)], Summary: summary, Format: format})
	}
	return out
}

func skipListClaims(l *loader, inst *model.Instance) []claim {
	sl := inst.SkipList
	out := make([]claim, 0, len(sl.Entries))
	for j, e := range sl.Entries {
		out = append(out, claim{Space: "entry|" + sl.Product + "|" + sl.Marketplace + "|" + sl.Parameter, Value: e, Addr: inst.Addr, What: "entry",
			Range: l.entryRanges[inst.Addr][j], Summary: "Duplicate skip-list entry",
			Format: "%s is listed by %s here and by %s at %s for the same product " + sl.Product + ", marketplace " + sl.Marketplace +
				" and parameter " + sl.Parameter + ". List each entry in one place only."})
	}
	return out
}

func cutoverClaims(l *loader, inst *model.Instance) []claim {
	return []claim{{Space: "server", Value: inst.Cutover.SourceServerID, Addr: inst.Addr, What: "cutover",
		Range: l.ranges[inst.Addr]["source_server_id"], Summary: "Duplicate source server",
		Format: "Source server %s is cut over by %s here and by %s at %s. A server can be cut over only once; remove one of them."}}
}
