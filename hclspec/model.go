package hclspec

import (
	"github.com/ferry-dev/ferry/model"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/zclconf/go-cty/cty"

	"github.com/ferry-dev/ferry/providers"
)

// module is the source model of a spec: every block decoded, every expression kept unevaluated.
type module struct {
	ferry     *ferryBlock
	variables []*variableDecl
	locals    []*hcl.Attribute
	providers []*providerBlock
	resources []*resourceBlock
	imports   []*importBlock
	notifies  []*notifyBlock
}

// ferryBlock is the ferry { … } settings block.
type ferryBlock struct {
	Attrs     hcl.Attributes
	Backend   *backendBlock
	DeclRange hcl.Range
}

// backendBlock is the backend "TYPE" { … } block inside ferry { }.
type backendBlock struct {
	Type      string
	Attrs     hcl.Attributes
	DeclRange hcl.Range
}

// variableDecl is a variable block; type, description and sensitive are static.
type variableDecl struct {
	Name        string
	Type        cty.Type // cty.DynamicPseudoType when unset or "any"
	TypeSet     bool     // a type argument was given
	Defaults    *typeexpr.Defaults
	Default     *hcl.Attribute // nil: no default, the variable is required
	Description string
	Sensitive   bool
	DeclRange   hcl.Range
}

// providerBlock is a provider "NAME" block.
type providerBlock struct {
	Name      string
	Entry     *providers.Entry
	Attrs     hcl.Attributes
	DeclRange hcl.Range
}

// resourceBlock is a subscription, skip_list or cutover block.
type resourceBlock struct {
	Kind      string
	Name      string
	ForEach   *hcl.Attribute // nil without for_each
	DependsOn []dependsRef
	Attrs     hcl.Attributes // the block's other arguments
	Nested    map[string][]*nestedBlock
	DeclRange hcl.Range
}

// dependsRef is one entry of depends_on.
type dependsRef struct {
	Parts model.AddrParts
	Range hcl.Range
}

// nestedBlock is a block inside a resource block (addon, commerce, timeouts).
type nestedBlock struct {
	Attrs     hcl.Attributes
	DeclRange hcl.Range
}

// importBlock is an import { to, id } block.
type importBlock struct {
	To        model.AddrParts
	ToRange   hcl.Range
	ID        *hcl.Attribute
	DeclRange hcl.Range
}
