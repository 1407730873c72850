package hclspec

import (
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// valueMark is the type of the cty marks the loader puts on values.
type valueMark string

// markSensitive marks the value of a sensitive variable. cty carries it through everything computed
// from the value (functions, templates, locals, for expressions, each.value), so a marked value
// reaching a resource argument or an instance key is refused where it is evaluated
// (attrReader.value, expandForEach): those are recorded in the state and in plan files, which never
// hold secrets. Provider blocks accept marked values; they are unmarked there and their strings
// registered for redaction.
const markSensitive = valueMark("sensitive")

// isSensitive reports whether v, or anything inside it, carries the sensitive mark.
func isSensitive(v cty.Value) bool {
	if !v.ContainsMarked() {
		return false
	}
	_, marks := v.UnmarkDeep()
	return marks.Has(markSensitive)
}

// sensitiveDetail explains why a sensitive value is refused; what names the argument.
func sensitiveDetail(what string) string {
	return what + " is computed from a sensitive variable. Resource arguments and instance keys are " +
		"recorded in the state and in plan files, which never hold secrets: use sensitive variables only " +
		"in provider blocks, or drop sensitive = true if the value is not a secret."
}

// minEmbeddedSecret is the shortest value derived from a secret (upper(var.x), a substring, a
// template) that is registered for redaction. The raw values of sensitive variables are registered
// whatever their length; a short derived value ("1", "yes") would redact unrelated text.
const minEmbeddedSecret = 6

// registerSecrets adds the marked parts of v to the values redacted from all output (Files.Sensitive):
// every string, and with derived false (a variable's own value) every number too. Strings shorter
// than minLen are left out.
func (l *loader) registerSecrets(v cty.Value, derived bool) {
	minLen := 1
	if derived {
		minLen = minEmbeddedSecret
	}
	walkMarked(v, false, func(leaf cty.Value) {
		var s string
		switch leaf.Type() {
		case cty.String:
			s = leaf.AsString()
		case cty.Number:
			if derived {
				return
			}
			s = leaf.AsBigFloat().Text('f', -1)
		default:
			return
		}
		if len(s) < minLen {
			return
		}
		l.files.sensitive = append(l.files.sensitive, s)
		if t := strings.TrimSpace(s); t != s && t != "" {
			l.files.sensitive = append(l.files.sensitive, t)
		}
	})
}

// walkMarked calls leaf for every known, non-null primitive value within v that carries the
// sensitive mark or sits inside a marked value. The keys of a marked map are not visited: they
// name the secrets (and a marked map is refused as for_each, so they become no instance key).
func walkMarked(v cty.Value, marked bool, leaf func(cty.Value)) {
	v, marks := v.Unmark()
	marked = marked || marks.Has(markSensitive)
	if v.IsNull() || !v.IsKnown() {
		return
	}
	ty := v.Type()
	switch {
	case ty.IsCollectionType() || ty.IsObjectType() || ty.IsTupleType():
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			walkMarked(e, marked, leaf)
		}
	case ty.IsPrimitiveType():
		if marked {
			leaf(v)
		}
	}
}

// sortSecrets sorts and dedupes the registered secrets.
func (f *Files) sortSecrets() {
	sort.Strings(f.sensitive)
	f.sensitive = dedupeSorted(f.sensitive)
}
