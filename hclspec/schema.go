package hclspec

import "github.com/hashicorp/hcl/v2"

// Block type names of the spec language.
const (
	blockFerry    = "ferry"
	blockVariable = "variable"
	blockLocals   = "locals"
	blockProvider = "provider"
	blockImport   = "import"
	blockAddon    = "addon"
	blockCommerce = "commerce"
	blockTimeouts = "timeouts"
	blockBackend  = "backend"
)

// Meta-argument names of resource blocks.
const (
	attrForEach   = "for_each"
	attrDependsOn = "depends_on"
)

// rootSchema is the top level of a spec file: the fixed blocks, then one per resource kind.
func rootSchema(kinds []kindSpec) *hcl.BodySchema {
	s := &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: blockFerry},
		{Type: blockVariable, LabelNames: []string{"name"}},
		{Type: blockLocals},
		{Type: blockProvider, LabelNames: []string{"name"}},
		{Type: blockImport},
		{Type: blockNotify, LabelNames: []string{"name"}},
	}}
	for _, k := range kinds {
		s.Blocks = append(s.Blocks, hcl.BlockHeaderSchema{Type: k.name, LabelNames: []string{"name"}})
	}
	return s
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

func ferrySchema() *hcl.BodySchema {
	return &hcl.BodySchema{Attributes: attrs("state", "parallelism", "reports"),
		Blocks: []hcl.BlockHeaderSchema{{Type: blockBackend, LabelNames: []string{"type"}}}}
}

// backendSchema is the body of backend "postgres" { … }.
func backendSchema() *hcl.BodySchema {
	return &hcl.BodySchema{Attributes: attrs("conn_str_env", "schema", "workspace")}
}

func variableSchema() *hcl.BodySchema {
	return &hcl.BodySchema{Attributes: attrs("type", "default", "description", "sensitive")}
}

func importSchema() *hcl.BodySchema { return &hcl.BodySchema{Attributes: required("to", "id")} }
