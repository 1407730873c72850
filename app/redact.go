package app

import (
	"io"
	"sort"
	"strings"
)

// redactor replaces the values of sensitive variables in everything written through it. ferry writes
// whole lines or blocks per call, so a value is never split across two writes.
type redactor struct {
	w io.Writer
	r *strings.Replacer
}

func newRedactor(w io.Writer, secrets []string) io.Writer {
	// Longest first, so a secret containing another is replaced whole.
	s := append([]string(nil), secrets...)
	sort.Slice(s, func(i, j int) bool { return len(s[i]) > len(s[j]) })
	var pairs []string
	for _, v := range s {
		if v != "" {
			pairs = append(pairs, v, "(sensitive value)")
		}
	}
	if len(pairs) == 0 {
		return w
	}
	return &redactor{w: w, r: strings.NewReplacer(pairs...)}
}

func (r *redactor) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, r.r.Replace(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
