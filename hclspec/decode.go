package hclspec

import (
	"fmt"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// decoder turns parsed files into the source model, checking structure only (no evaluation beyond
// the static arguments: variable type, description, sensitive; depends_on and import to).
type decoder struct {
	mod       module
	diags     hcl.Diagnostics
	blocks    map[string]hcl.Range // "kind.name" → first declaration
	kinds     []kindSpec
	providers providers.Table
}

func newDecoder(kinds []kindSpec, table providers.Table) *decoder {
	return &decoder{blocks: map[string]hcl.Range{}, kinds: kinds, providers: table}
}

// decodeFile adds the blocks of one file.
func (d *decoder) decodeFile(f *hcl.File) {
	content, diags := f.Body.Content(rootSchema(d.kinds))
	d.diags = append(d.diags, diags...)
	for _, b := range content.Blocks {
		if k := lookupKind(d.kinds, b.Type); k != nil {
			d.decodeResource(b, k)
			continue
		}
		switch b.Type {
		case blockFerry:
			d.decodeFerry(b)
		case blockVariable:
			d.decodeVariable(b)
		case blockLocals:
			d.decodeLocals(b)
		case blockProvider:
			d.decodeProvider(b)
		case blockImport:
			d.decodeImport(b)
		case blockNotify:
			d.decodeNotify(b)
		default:
			// The root schema admits only the blocks above and the resource kinds.
			d.errorf(rangePtr(b.DefRange), "Unsupported block type", "Blocks of type %q are not expected here.", b.Type)
		}
	}
}

func (d *decoder) errorf(rng *hcl.Range, summary, format string, args ...any) {
	d.diags = append(d.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rng})
}

// checkLabel requires a block label to be a valid identifier (it becomes part of addresses).
func (d *decoder) checkLabel(b *hcl.Block) bool {
	if len(b.Labels) == 0 {
		return true
	}
	if !hclsyntax.ValidIdentifier(b.Labels[0]) {
		d.errorf(rangePtr(b.LabelRanges[0]), "Invalid block name",
			"%q is not a valid name: a name starts with a letter or underscore and may contain letters, digits, underscores and dashes.", b.Labels[0])
		return false
	}
	return true
}

// unique records key and reports a duplicate declaration naming both places.
func (d *decoder) unique(key, what string, rng hcl.Range) bool {
	if prev, dup := d.blocks[key]; dup {
		d.errorf(rangePtr(rng), "Duplicate "+what,
			"%s was already declared at %s. Each must be declared only once; rename or remove one of them.", key, where(prev))
		return false
	}
	d.blocks[key] = rng
	return true
}

func (d *decoder) decodeFerry(b *hcl.Block) {
	if d.mod.ferry != nil {
		d.errorf(rangePtr(b.DefRange), "Duplicate ferry block",
			"A ferry block was already declared at %s. Only one ferry block is allowed; merge them.", where(d.mod.ferry.DeclRange))
		return
	}
	content, diags := b.Body.Content(ferrySchema())
	d.diags = append(d.diags, diags...)
	fb := &ferryBlock{Attrs: content.Attributes, DeclRange: b.DefRange}
	for _, bb := range content.Blocks {
		if fb.Backend != nil {
			d.errorf(rangePtr(bb.DefRange), "Duplicate backend block",
				"A backend block was already declared at %s. A state has one backend; remove one of them.", where(fb.Backend.DeclRange))
			continue
		}
		if bb.Labels[0] != BackendPostgres {
			d.errorf(rangePtr(bb.LabelRanges[0]), "Unsupported backend",
				"ferry has no backend %q. The one shared backend is \"postgres\"; without a backend block the state is the local file that ferry { state } names.", bb.Labels[0])
			continue
		}
		bc, diags := bb.Body.Content(backendSchema())
		d.diags = append(d.diags, diags...)
		fb.Backend = &backendBlock{Type: bb.Labels[0], Attrs: bc.Attributes, DeclRange: bb.DefRange}
	}
	d.mod.ferry = fb
}

func (d *decoder) decodeVariable(b *hcl.Block) {
	if !d.checkLabel(b) || !d.unique("var."+b.Labels[0], "variable", b.DefRange) {
		return
	}
	content, diags := b.Body.Content(variableSchema())
	d.diags = append(d.diags, diags...)
	v := &variableDecl{Name: b.Labels[0], Type: cty.DynamicPseudoType, DeclRange: b.DefRange}
	if a := content.Attributes["type"]; a != nil {
		ty, defs, diags := typeexpr.TypeConstraintWithDefaults(a.Expr)
		d.diags = append(d.diags, diags...)
		if !diags.HasErrors() {
			v.Type, v.Defaults, v.TypeSet = ty, defs, true
		}
	}
	if a := content.Attributes["description"]; a != nil {
		val, diags := a.Expr.Value(nil)
		d.diags = append(d.diags, diags...)
		if !diags.HasErrors() {
			if val.Type() != cty.String || val.IsNull() {
				d.errorf(rangePtr(a.Expr.Range()), "Invalid description", "The description must be a literal string.")
			} else {
				v.Description = val.AsString()
			}
		}
	}
	if a := content.Attributes["sensitive"]; a != nil {
		val, diags := a.Expr.Value(nil)
		d.diags = append(d.diags, diags...)
		if !diags.HasErrors() {
			if val.Type() != cty.Bool || val.IsNull() {
				d.errorf(rangePtr(a.Expr.Range()), "Invalid sensitive", "sensitive must be the literal true or false.")
			} else {
				v.Sensitive = val.True()
			}
		}
	}
	v.Default = content.Attributes["default"]
	d.mod.variables = append(d.mod.variables, v)
}

func (d *decoder) decodeLocals(b *hcl.Block) {
	attrs, diags := b.Body.JustAttributes()
	d.diags = append(d.diags, diags...)
	for _, a := range sortedAttrs(attrs) {
		if !d.unique("local."+a.Name, "local value", a.NameRange) {
			continue
		}
		d.mod.locals = append(d.mod.locals, a)
	}
}

func (d *decoder) decodeProvider(b *hcl.Block) {
	name := b.Labels[0]
	entry := d.providers.Lookup(name)
	if entry == nil {
		d.errorf(rangePtr(b.LabelRanges[0]), "Unknown provider",
			"There is no provider %q. Valid providers are %s.%s", name, model.List(d.providers.Names(), "and"), suggest(name, setOf(d.providers.Names())))
		return
	}
	if !d.unique("provider."+name, "provider block", b.DefRange) {
		return
	}
	content, diags := b.Body.Content(settingsSchema(entry.Settings))
	d.diags = append(d.diags, diags...)
	d.mod.providers = append(d.mod.providers, &providerBlock{Name: name, Entry: entry, Attrs: content.Attributes, DeclRange: b.DefRange})
}

func (d *decoder) decodeImport(b *hcl.Block) {
	content, diags := b.Body.Content(importSchema())
	d.diags = append(d.diags, diags...)
	to, id := content.Attributes["to"], content.Attributes["id"]
	if to == nil || id == nil {
		return
	}
	trav, tdiags := hcl.AbsTraversalForExpr(to.Expr)
	if tdiags.HasErrors() {
		d.errorf(rangePtr(to.Expr.Range()), "Invalid import address",
			"to must be an instance address such as subscription.m365[\"<key>\"] or subscription.legacy, not a string or other expression.")
		return
	}
	parts, err := model.AddrFromTraversal(trav)
	if err != nil {
		d.errorf(rangePtr(to.Expr.Range()), "Invalid import address", "%s.", capitalize(err.Error()))
		return
	}
	d.mod.imports = append(d.mod.imports, &importBlock{To: parts, ToRange: to.Expr.Range(), ID: id, DeclRange: b.DefRange})
}

func (d *decoder) decodeResource(b *hcl.Block, k *kindSpec) {
	if !d.checkLabel(b) || !d.unique(b.Type+"."+b.Labels[0], b.Type+" block", b.DefRange) {
		return
	}
	content, diags := b.Body.Content(k.schema())
	d.diags = append(d.diags, diags...)
	r := &resourceBlock{Kind: b.Type, Name: b.Labels[0], Attrs: hcl.Attributes{}, Nested: map[string][]*nestedBlock{}, DeclRange: b.DefRange}
	for name, a := range content.Attributes {
		switch name {
		case attrForEach:
			r.ForEach = a
		case attrDependsOn:
			r.DependsOn = d.decodeDependsOn(a)
		default:
			r.Attrs[name] = a
		}
	}
	for _, nb := range content.Blocks {
		ns := k.nestedSpec(nb.Type)
		if ns == nil {
			// The kind's schema admits only its nested blocks.
			d.errorf(rangePtr(nb.DefRange), "Unsupported block type", "Blocks of type %q are not expected in a %s block.", nb.Type, k.name)
			continue
		}
		if !ns.repeated && len(r.Nested[nb.Type]) > 0 {
			d.errorf(rangePtr(nb.DefRange), "Duplicate "+nb.Type+" block",
				"A %s block was already declared at %s; only one is allowed.", nb.Type, where(r.Nested[nb.Type][0].DeclRange))
			continue
		}
		nc, diags := nb.Body.Content(&hcl.BodySchema{Attributes: ns.attrs})
		d.diags = append(d.diags, diags...)
		r.Nested[nb.Type] = append(r.Nested[nb.Type], &nestedBlock{Attrs: nc.Attributes, DeclRange: nb.DefRange})
	}
	d.mod.resources = append(d.mod.resources, r)
}

// decodeDependsOn reads depends_on = [kind.name, kind.name["key"], …] as static references.
func (d *decoder) decodeDependsOn(a *hcl.Attribute) []dependsRef {
	exprs, diags := hcl.ExprList(a.Expr)
	if diags.HasErrors() {
		d.errorf(rangePtr(a.Expr.Range()), "Invalid depends_on",
			"depends_on must be a list of resource references, e.g. [cutover.db01, subscription.m365].")
		return nil
	}
	var refs []dependsRef
	for _, e := range exprs {
		trav, tdiags := hcl.AbsTraversalForExpr(e)
		if tdiags.HasErrors() {
			d.errorf(rangePtr(e.Range()), "Invalid depends_on reference",
				"Each depends_on entry must be a resource reference such as cutover.db01 or subscription.m365, not a string or other expression.")
			continue
		}
		parts, err := model.AddrFromTraversal(trav)
		if err != nil {
			d.errorf(rangePtr(e.Range()), "Invalid depends_on reference", "%s.", capitalize(err.Error()))
			continue
		}
		refs = append(refs, dependsRef{Parts: parts, Range: e.Range()})
	}
	return refs
}
