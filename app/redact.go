package app

import (
	"bytes"
	"encoding/json"
	"io"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// minSubstringSecret is the length from which a secret is redacted wherever it appears. A shorter
// value ("ferry", "x") would also match inside file names, URLs and words, so it is redacted only
// where it stands alone (between spaces, quotes, brackets, '=' or ',', or before the backslash of an
// escaped quote).
const minSubstringSecret = 8

// redactor replaces the values of sensitive variables in everything written through it. ferry writes
// whole lines or blocks per call, so a value is never split across two writes.
type redactor struct {
	w     io.Writer
	long  *strings.Replacer // secrets of at least minSubstringSecret bytes
	short *regexp.Regexp    // shorter secrets, as whole tokens
}

func newRedactor(w io.Writer, secrets []string) io.Writer {
	// Longest first, so a secret containing another is replaced whole.
	s := secretForms(secrets)
	sort.Slice(s, func(i, j int) bool { return len(s[i]) > len(s[j]) })
	var pairs, short []string
	for _, v := range s {
		switch {
		case v == "":
		case len(v) >= minSubstringSecret:
			pairs = append(pairs, v, "(sensitive value)")
		default:
			short = append(short, regexp.QuoteMeta(v))
		}
	}
	if len(pairs) == 0 && len(short) == 0 {
		return w
	}
	r := &redactor{w: w}
	if len(pairs) > 0 {
		r.long = strings.NewReplacer(pairs...)
	}
	if len(short) > 0 {
		const edge = `(^|[\s"'=,;:(\[{])`
		r.short = regexp.MustCompile(edge + `(` + strings.Join(short, "|") + `)([\s"',;)\]}\\]|$)`)
	}
	return r
}

// secretForms returns each secret in every form it can be printed in: raw, Go-quoted (%q, %+q:
// \" \\ \n \u00e9), JSON-escaped (\u003c, \", with and without HTML escaping) and URL-encoded (query and
// path escaping), and each of those escaped once more (a diagnostic quoting a value with %q, written
// as a JSON line by --json). Forms equal to another are not repeated.
func secretForms(secrets []string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(v string) {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	escapes := []func(string) string{
		func(v string) string { return unquote(strconv.Quote(v)) },
		func(v string) string { return unquote(strconv.QuoteToASCII(v)) },
		func(v string) string { return unquote(jsonString(v, true)) },
		func(v string) string { return unquote(jsonString(v, false)) },
		url.QueryEscape,
		url.PathEscape,
	}
	for _, v := range secrets {
		if v == "" {
			continue
		}
		add(v)
		for _, e1 := range escapes {
			once := e1(v)
			add(once)
			for _, e2 := range escapes {
				add(e2(once))
			}
		}
	}
	return out
}

// jsonString encodes s as a JSON string, with encoding/json's HTML escaping or without.
func jsonString(s string, escapeHTML bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// unquote drops the surrounding double quotes of a quoted string.
func unquote(q string) string {
	if len(q) >= 2 && q[0] == '"' && q[len(q)-1] == '"' {
		return q[1 : len(q)-1]
	}
	return q
}

// stringRedactor returns a function that redacts secrets from a string, built once (for the log,
// which redacts every line).
func stringRedactor(secrets []string) func(string) string {
	r, ok := newRedactor(io.Discard, secrets).(*redactor)
	if !ok {
		return func(s string) string { return s }
	}
	return r.redact
}

func (r *redactor) redact(out string) string {
	if r.long != nil {
		out = r.long.Replace(out)
	}
	if r.short != nil {
		out = r.short.ReplaceAllString(out, "${1}(sensitive value)${3}")
	}
	return out
}

func (r *redactor) Write(p []byte) (int, error) {
	out := r.redact(string(p))
	if _, err := io.WriteString(r.w, out); err != nil {
		return 0, err
	}
	return len(p), nil
}
