package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// minSubstringSecret is the length from which a secret is redacted wherever it appears. A shorter
// value ("ferry", "x") would also match inside file names, URLs and words, so it is redacted only
// where it stands alone (between spaces, quotes, brackets, '=' or ',', or before the backslash of an
// escaped quote).
const minSubstringSecret = 8

// redaction replaces every form of a set of secrets (secretForms) in text: the one place where
// ferry's secrets — sensitive variables and the credentials of every provider from the environment —
// are taken out of what it prints. A nil *redaction changes nothing.
type redaction struct {
	long  *strings.Replacer // secrets of at least minSubstringSecret bytes
	short *regexp.Regexp    // shorter secrets, as whole tokens
}

// newRedaction returns the redaction of secrets, or nil when there is none.
func newRedaction(secrets []string) *redaction {
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
		return nil
	}
	r := &redaction{}
	if len(pairs) > 0 {
		r.long = strings.NewReplacer(pairs...)
	}
	if len(short) > 0 {
		const edge = `(^|[\s"'=,;:(\[{])`
		r.short = regexp.MustCompile(edge + `(` + strings.Join(short, "|") + `)([\s"',;)\]}\\]|$)`)
	}
	return r
}

// String returns s with every form of every secret replaced by "(sensitive value)".
func (r *redaction) String(s string) string {
	if r == nil {
		return s
	}
	if r.long != nil {
		s = r.long.Replace(s)
	}
	if r.short != nil {
		s = r.short.ReplaceAllString(s, "${1}(sensitive value)${3}")
	}
	return s
}

// redactor writes through a redaction. ferry writes whole lines or blocks per call, so a value is
// never split across two writes.
type redactor struct {
	w io.Writer
	r *redaction
}

func newRedactor(w io.Writer, secrets []string) io.Writer {
	r := newRedaction(secrets)
	if r == nil {
		return w
	}
	return &redactor{w: w, r: r}
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
	return newRedaction(secrets).String
}

func (r *redactor) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, r.r.String(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// maxShownValue is how much of a quoted value a diagnostic shows (in bytes of its quoted form).
const maxShownValue = 200

// quoted matches a Go-quoted string ("…" with backslash escapes), as diagnostics quote values.
var quoted = regexp.MustCompile(`"(?:[^"\\\n]|\\.)*"`)

// truncateValues shortens every quoted value in s longer than maxShownValue to its first
// maxShownValue bytes, ended by "…" and how long the value was. Run it after redaction, never
// before: a secret cut short would match none of its forms.
func truncateValues(s string) string {
	if len(s) <= maxShownValue {
		return s
	}
	return quoted.ReplaceAllStringFunc(s, func(q string) string {
		inner := q[1 : len(q)-1]
		if len(inner) <= maxShownValue {
			return q
		}
		cut := 0
		for cut < maxShownValue {
			n := 1
			if inner[cut] == '\\' && cut+1 < len(inner) {
				switch inner[cut+1] {
				case 'x':
					n = 4
				case 'u':
					n = 6
				case 'U':
					n = 10
				case '0', '1', '2', '3', '4', '5', '6', '7':
					n = 4
				default:
					n = 2
				}
			} else if inner[cut] >= 0x80 {
				_, n = utf8.DecodeRuneInString(inner[cut:])
			}
			if cut+n > len(inner) {
				break
			}
			cut += n
		}
		return fmt.Sprintf("\"%s…\" (shortened from %d bytes)", inner[:cut], len(inner))
	})
}
