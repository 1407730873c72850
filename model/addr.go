package model

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Addr is a resource instance address such as subscription.m365["5c1f…"] or cutover.web01.
type Addr string

// AddrParts is a parsed address: Kind.Name, or Kind.Name["Key"] when HasKey.
type AddrParts struct {
	Kind   string
	Name   string
	Key    string
	HasKey bool
}

// Addr returns the canonical address string of p.
func (p AddrParts) Addr() Addr {
	return MakeAddr(p.Kind, p.Name, p.Key, p.HasKey)
}

// MakeAddr builds the canonical address of an instance: kind.name, or kind.name["key"] for an
// instance of a block with for_each.
func MakeAddr(kind, name, key string, hasKey bool) Addr {
	if !hasKey {
		return Addr(kind + "." + name)
	}
	return Addr(kind + "." + name + "[" + QuoteKey(key) + "]")
}

// QuoteKey quotes an instance key as an HCL string literal: backslash escapes for quotes,
// backslashes and control characters, and doubled template introducers ($${ and %%{).
func QuoteKey(key string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i, r := range key {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04x`, r)
		case (r == '$' || r == '%') && strings.HasPrefix(key[i+1:], "{"):
			b.WriteRune(r)
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// ParseAddr checks and normalises an instance address given on the command line, such as
// subscription.m365["5c1f…"], cutover.web01 or skip_list.nce. A resource address without a key
// (subscription.m365) is accepted too; use AddrMatches to match it against instances.
func ParseAddr(s string) (Addr, error) {
	p, err := ParseAddrParts(s)
	if err != nil {
		return "", err
	}
	return p.Addr(), nil
}

// ParseAddrParts parses an address like ParseAddr and returns its parts.
func ParseAddrParts(s string) (AddrParts, error) {
	if strings.TrimSpace(s) == "" {
		return AddrParts{}, fmt.Errorf("invalid address %q: empty; want e.g. subscription.m365[\"<key>\"] or cutover.web01", s)
	}
	if p, ok := parsePlainAddr(s); ok {
		return p, nil
	}
	trav, diags := hclsyntax.ParseTraversalAbs([]byte(s), "<address>", hcl.InitialPos)
	if diags.HasErrors() {
		return AddrParts{}, fmt.Errorf("invalid address %q: %s", s, firstError(diags))
	}
	p, err := AddrFromTraversal(trav)
	if err != nil {
		return AddrParts{}, fmt.Errorf("invalid address %q: %w", s, err)
	}
	return p, nil
}

// parsePlainAddr parses the addresses ferry itself writes (MakeAddr of ASCII identifiers and a key
// without quotes, backslashes, template introducers or non-ASCII characters) without the HCL
// parser: views and the planner parse every instance's address. ok is false for anything else,
// which ParseAddrParts then parses in full; both give the same parts for what this accepts.
func parsePlainAddr(s string) (AddrParts, bool) {
	kind, rest, ok := strings.Cut(s, ".")
	if !ok || !plainIdent(kind) || LookupKind(kind) == nil {
		return AddrParts{}, false
	}
	name, key, hasKey := strings.Cut(rest, "[")
	if !plainIdent(name) {
		return AddrParts{}, false
	}
	p := AddrParts{Kind: kind, Name: name}
	if !hasKey {
		return p, true
	}
	if len(key) < 3 || key[0] != '"' || key[len(key)-2:] != `"]` {
		return AddrParts{}, false
	}
	key = key[1 : len(key)-2]
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '$' || c == '%' {
			return AddrParts{}, false
		}
	}
	p.Key, p.HasKey = key, true
	return p, true
}

// plainIdent reports whether s is an HCL identifier of ASCII letters, digits, _ and -.
func plainIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// AddrFromTraversal interprets kind.name or kind.name["key"].
func AddrFromTraversal(trav hcl.Traversal) (AddrParts, error) {
	if len(trav) < 2 {
		return AddrParts{}, fmt.Errorf("want <kind>.<name>, e.g. cutover.web01")
	}
	root, ok := trav[0].(hcl.TraverseRoot)
	if !ok {
		return AddrParts{}, fmt.Errorf("want <kind>.<name>")
	}
	if LookupKind(root.Name) == nil {
		return AddrParts{}, fmt.Errorf("unknown kind %q; want %s", root.Name, KindList("or"))
	}
	attr, ok := trav[1].(hcl.TraverseAttr)
	if !ok {
		return AddrParts{}, fmt.Errorf("want <kind>.<name> after %q", root.Name)
	}
	p := AddrParts{Kind: root.Name, Name: attr.Name}
	switch len(trav) {
	case 2:
		return p, nil
	case 3:
		idx, ok := trav[2].(hcl.TraverseIndex)
		if !ok {
			return AddrParts{}, fmt.Errorf("want [\"<key>\"] after %s.%s", p.Kind, p.Name)
		}
		if idx.Key.IsNull() || !idx.Key.IsKnown() || idx.Key.Type() != cty.String {
			return AddrParts{}, fmt.Errorf("instance keys are quoted strings, e.g. %s.%s[\"key\"]", p.Kind, p.Name)
		}
		p.Key, p.HasKey = idx.Key.AsString(), true
		return p, nil
	default:
		return AddrParts{}, fmt.Errorf("too many parts; want <kind>.<name> or <kind>.<name>[\"<key>\"]")
	}
}

// AddrMatches reports whether addr is selected by target: the same instance, or, when target has
// no key (subscription.m365), any instance of that resource.
func AddrMatches(target, addr Addr) bool {
	if target == addr {
		return true
	}
	t, err := ParseAddrParts(string(target))
	if err != nil {
		return false
	}
	a, err := ParseAddrParts(string(addr))
	if err != nil {
		return false
	}
	if t.Kind != a.Kind || t.Name != a.Name {
		return false
	}
	return !t.HasKey || (a.HasKey && t.Key == a.Key)
}

// firstError returns the first error of diags as one line.
func firstError(diags hcl.Diagnostics) string {
	if errs := diags.Errs(); len(errs) > 0 {
		if d, ok := errs[0].(*hcl.Diagnostic); ok && d.Detail == "" {
			return d.Summary
		} else if ok {
			return d.Summary + ": " + d.Detail
		}
	}
	return "unknown error"
}
