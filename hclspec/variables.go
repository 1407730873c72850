package hclspec

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ferry-dev/ferry/internal/regfile"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// EnvVarPrefix prefixes environment variables that set spec variables: FERRY_VAR_<name>.
const EnvVarPrefix = "FERRY_VAR_"

// rawValue is one candidate value of a variable and where it came from.
type rawValue struct {
	Val    cty.Value
	Range  *hcl.Range // nil for --var and environment values
	Source string     // e.g. "default", "--var", "FERRY_VAR_x", "vars.hcl"
}

// evalVariables resolves every variable: default < FERRY_VAR_<name> < --var-file (in order) <
// --var (in order). It returns the converted values; those of sensitive variables carry markSensitive
// and are registered for redaction.
func (l *loader) evalVariables(decls []*variableDecl) map[string]cty.Value {
	byName := make(map[string]*variableDecl, len(decls))
	for _, v := range decls {
		byName[v.Name] = v
	}
	raw := map[string]rawValue{}
	// invalid names variables given a value that could not be parsed (reported already).
	invalid := map[string]bool{}

	for _, v := range decls {
		if v.Default == nil {
			continue
		}
		val, diags := v.Default.Expr.Value(nil)
		l.diags = append(l.diags, diags...)
		if !diags.HasErrors() {
			raw[v.Name] = rawValue{Val: val, Range: rangePtr(v.Default.Expr.Range()), Source: "default"}
		}
	}
	environ := envVars(l.opts.Environ)
	for _, v := range decls {
		s, ok := environ[v.Name]
		if !ok && l.opts.Getenv != nil {
			s = l.opts.Getenv(EnvVarPrefix + v.Name)
			ok = s != ""
		}
		if ok {
			if val, ok := l.parseRaw(v, s, EnvVarPrefix+v.Name); ok {
				raw[v.Name] = rawValue{Val: val, Source: EnvVarPrefix + v.Name}
			} else {
				invalid[v.Name] = true
			}
		}
	}
	for _, path := range l.opts.VarFiles {
		l.readVarFile(path, byName, raw, invalid)
	}
	for _, kv := range l.opts.Vars {
		name, s, ok := strings.Cut(kv, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			l.errorf(nil, "Invalid --var option", "The --var option %q is not of the form name=value.", kv)
			continue
		}
		v := byName[name]
		if v == nil {
			l.errorf(nil, "Value for undeclared variable", "--var sets %q, but no variable %q is declared in the spec. Declare it with a variable %q {} block, or remove the option.%s", name, name, name, suggest(name, l.scope.declared))
			continue
		}
		if val, ok := l.parseRaw(v, s, "--var "+name); ok {
			raw[name] = rawValue{Val: val, Source: "--var"}
		} else {
			invalid[name] = true
		}
	}

	values := make(map[string]cty.Value, len(decls))
	for _, v := range decls {
		rv, ok := raw[v.Name]
		if !ok {
			values[v.Name] = cty.DynamicVal
			if invalid[v.Name] {
				continue
			}
			l.errorf(rangePtr(v.DeclRange), "No value for required variable",
				"The variable %q has no default and no value was given. Set it with --var %s=…, a --var-file, the environment variable %s%s, or add a default.",
				v.Name, v.Name, EnvVarPrefix, v.Name)
			continue
		}
		val := rv.Val
		if v.Sensitive {
			// Redact the value as given too: a diagnostic about a bad value may quote it.
			l.registerSecrets(val.Mark(markSensitive), false)
		}
		if v.Defaults != nil {
			val = v.Defaults.Apply(val)
		}
		conv, err := convert.Convert(val, v.Type)
		if err != nil {
			l.errorf(rv.Range, "Invalid value for variable",
				"The value for var.%s (from %s) is not valid: %s. The variable's type is %s.", v.Name, rv.Source, err, typeexpr.TypeString(v.Type))
			values[v.Name] = cty.UnknownVal(v.Type)
			continue
		}
		if v.Sensitive {
			l.sensitiveVars[v.Name] = true
			conv = conv.Mark(markSensitive)
			l.registerSecrets(conv, false)
		}
		values[v.Name] = conv
	}
	return values
}

// envVars extracts FERRY_VAR_<name>=value entries of environ.
func envVars(environ []string) map[string]string {
	out := map[string]string{}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if ok && strings.HasPrefix(k, EnvVarPrefix) && len(k) > len(EnvVarPrefix) {
			out[strings.TrimPrefix(k, EnvVarPrefix)] = v
		}
	}
	return out
}

// parseRaw turns a --var or environment string into a value: taken literally for variables of type
// string (or without a type), parsed as an HCL expression otherwise.
func (l *loader) parseRaw(v *variableDecl, s, source string) (cty.Value, bool) {
	if v.Sensitive && strings.TrimSpace(s) != "" {
		// Known before parsing, so that a diagnostic quoting a bad value is redacted too.
		l.registerSecrets(cty.StringVal(s).Mark(markSensitive), false)
	}
	if !v.TypeSet || v.Type == cty.String {
		return cty.StringVal(s), true
	}
	if v.Type == cty.Number || v.Type == cty.Bool {
		// A bare word such as abc would parse as a reference ("Variables not allowed"): say instead
		// that the value is not of the variable's type.
		if val, err := convert.Convert(cty.StringVal(strings.TrimSpace(s)), v.Type); err == nil {
			return val, true
		}
		if expr, diags := hclsyntax.ParseExpression([]byte(s), source, hcl.InitialPos); !diags.HasErrors() {
			if val, diags := expr.Value(nil); !diags.HasErrors() {
				return val, true // an expression such as 41 + 1
			}
		}
		shown := fmt.Sprintf("%q", s)
		if v.Sensitive {
			shown = "(sensitive value)"
		}
		what := map[bool]string{true: "a number, e.g. 25 or 2.5", false: "a bool: true or false"}[v.Type == cty.Number]
		l.errorf(nil, "Invalid value for variable", "The value %s of %s (variable %q, type %s) is not %s.",
			shown, source, v.Name, typeexpr.TypeString(v.Type), what)
		return cty.NilVal, false
	}
	expr, diags := hclsyntax.ParseExpression([]byte(s), source, hcl.InitialPos)
	if !diags.HasErrors() {
		var vdiags hcl.Diagnostics
		var val cty.Value
		val, vdiags = expr.Value(nil)
		if !vdiags.HasErrors() {
			return val, true
		}
		diags = vdiags
	}
	l.errorf(nil, "Invalid value for variable",
		"The value of %s is not a valid HCL expression for a %s: %s. Write it as HCL, e.g. 42, true, [\"a\", \"b\"] or {k = \"v\"}.",
		source, typeexpr.TypeString(v.Type), strings.TrimSuffix(firstError(diags), "."))
	return cty.NilVal, false
}

// readVarFile reads one --var-file (name = value lines in HCL syntax).
func (l *loader) readVarFile(path string, byName map[string]*variableDecl, raw map[string]rawValue, invalid map[string]bool) {
	src, err := regfile.Read(path, MaxSpecFileBytes)
	if errors.Is(err, regfile.ErrTooLarge) {
		l.diags = append(l.diags, checkSize(path, MaxSpecFileBytes+1))
		return
	}
	if err != nil {
		l.errorf(nil, "Failed to read variables file", "Cannot read the --var-file %s: %s.", path, err)
		return
	}
	f, diags := l.files.parseHCL(src, path)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return
	}
	attrs, diags := f.Body.JustAttributes()
	l.diags = append(l.diags, diags...)
	for _, a := range sortedAttrs(attrs) {
		if byName[a.Name] == nil {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning, Summary: "Value for undeclared variable",
				Detail:  fmt.Sprintf("The file sets %q, but the spec declares no variable %q; the value is ignored.%s", a.Name, a.Name, suggest(a.Name, l.scope.declared)),
				Subject: rangePtr(a.NameRange),
			})
			continue
		}
		val, vdiags := a.Expr.Value(nil)
		l.diags = append(l.diags, vdiags...)
		if vdiags.HasErrors() {
			invalid[a.Name] = true
			continue
		}
		raw[a.Name] = rawValue{Val: val, Range: rangePtr(a.Expr.Range()), Source: path}
	}
}

// dedupeSorted removes adjacent duplicates of a sorted slice.
func dedupeSorted(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}
