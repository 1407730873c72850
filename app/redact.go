package app

import (
	"io"
	"regexp"
	"sort"
	"strings"
)

// minSubstringSecret is the length from which a secret is redacted wherever it appears. A shorter
// value ("ferry", "x") would also match inside file names, URLs and words, so it is redacted only
// where it stands alone (between spaces, quotes, brackets, '=' or ',').
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
	s := append([]string(nil), secrets...)
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
		r.short = regexp.MustCompile(edge + `(` + strings.Join(short, "|") + `)([\s"',;)\]}]|$)`)
	}
	return r
}

func (r *redactor) Write(p []byte) (int, error) {
	out := string(p)
	if r.long != nil {
		out = r.long.Replace(out)
	}
	if r.short != nil {
		out = r.short.ReplaceAllString(out, "${1}(sensitive value)${3}")
	}
	if _, err := io.WriteString(r.w, out); err != nil {
		return 0, err
	}
	return len(p), nil
}
