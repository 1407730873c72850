package hclspec

import "github.com/hashicorp/hcl/v2"

// Block type names of the spec language.
const (
	blockFerry        = "ferry"
	blockVariable     = "variable"
	blockLocals       = "locals"
	blockProvider     = "provider"
	blockImport       = "import"
	blockSubscription = "subscription"
	blockSkipList     = "skip_list"
	blockCutover      = "cutover"
	blockAddon        = "addon"
	blockCommerce     = "commerce"
	blockTimeouts     = "timeouts"
)

// Meta-argument names of resource blocks.
const (
	attrForEach   = "for_each"
	attrDependsOn = "depends_on"
)

// Provider names.
const (
	providerPartnerCenter = "partnercenter"
	providerCommerce      = "commerce"
	providerConnect       = "connect"
	providerMGN           = "mgn"
)

// rootSchema is the top level of a spec file.
func rootSchema() *hcl.BodySchema {
	return &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: blockFerry},
		{Type: blockVariable, LabelNames: []string{"name"}},
		{Type: blockLocals},
		{Type: blockProvider, LabelNames: []string{"name"}},
		{Type: blockImport},
		{Type: blockSubscription, LabelNames: []string{"name"}},
		{Type: blockSkipList, LabelNames: []string{"name"}},
		{Type: blockCutover, LabelNames: []string{"name"}},
	}}
}

func attrs(names ...string) []hcl.AttributeSchema {
	out := make([]hcl.AttributeSchema, len(names))
	for i, n := range names {
		out[i] = hcl.AttributeSchema{Name: n}
	}
	return out
}

func required(names ...string) []hcl.AttributeSchema {
	out := attrs(names...)
	for i := range out {
		out[i].Required = true
	}
	return out
}

func ferrySchema() *hcl.BodySchema { return &hcl.BodySchema{Attributes: attrs("state", "parallelism")} }

func variableSchema() *hcl.BodySchema {
	return &hcl.BodySchema{Attributes: attrs("type", "default", "description", "sensitive")}
}

// providerSchemas lists the valid provider names and the arguments each accepts.
func providerSchemas() map[string]*hcl.BodySchema {
	return map[string]*hcl.BodySchema{
		providerPartnerCenter: {Attributes: attrs("endpoint", "tenant_id")},
		providerCommerce:      {Attributes: attrs("endpoint")},
		providerConnect:       {Attributes: attrs("endpoint")},
		providerMGN:           {Attributes: attrs("endpoint", "region")},
	}
}

func importSchema() *hcl.BodySchema { return &hcl.BodySchema{Attributes: required("to", "id")} }

func subscriptionSchema() *hcl.BodySchema {
	return &hcl.BodySchema{
		Attributes: append(attrs(attrForEach, attrDependsOn, "via", "microsoft_domain", "purchase_full_term", "quantity"),
			required("customer_id", "migrate_from", "term_duration", "billing_cycle")...),
		Blocks: []hcl.BlockHeaderSchema{{Type: blockAddon}, {Type: blockCommerce}, {Type: blockTimeouts}},
	}
}

func addonSchema() *hcl.BodySchema {
	return &hcl.BodySchema{Attributes: append(required("migrate_from"), attrs("term_duration", "billing_cycle", "purchase_full_term")...)}
}

func commerceSchema() *hcl.BodySchema {
	return &hcl.BodySchema{Attributes: required("account_id", "source_subscription_id", "plan_id", "mode")}
}

func timeoutsSchema() *hcl.BodySchema {
	return &hcl.BodySchema{Attributes: attrs("order", "migration")}
}

func skipListSchema() *hcl.BodySchema {
	return &hcl.BodySchema{Attributes: append(attrs(attrForEach, attrDependsOn, "parameter"), required("product", "marketplace", "entries")...)}
}

func cutoverSchema() *hcl.BodySchema {
	return &hcl.BodySchema{Attributes: append(attrs(attrForEach, attrDependsOn, "require_test", "max_lag", "finalize", "archive"), required("source_server_id")...)}
}

// resourceSchema returns the schema of a resource block type.
func resourceSchema(kind string) *hcl.BodySchema {
	switch kind {
	case blockSubscription:
		return subscriptionSchema()
	case blockSkipList:
		return skipListSchema()
	default:
		return cutoverSchema()
	}
}
