package views

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Remote text (offer names, Microsoft's error descriptions, reasons, event messages) may hold bytes
// that a terminal or a markdown renderer would act on. Every text and markdown template passes each
// string it prints through Escape (the template function "esc", and "md" and "code", which call
// it); JSON keeps the text as it is but never prints those characters raw (escapeJSON).

// dangerous reports whether r must not reach a terminal raw: control characters (C0, DEL, C1), the
// bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the line and
// paragraph separators (U+2028, U+2029).
func dangerous(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

// Escape makes one line of remote text safe to print: every dangerous character is shown as an
// escape (\x1b, \r, \n, \t, \u202e), and a byte that is not UTF-8 as \xff. Everything else is kept.
func Escape(s string) string { return escape(s, false) }

// EscapeLines is Escape that keeps line feeds and tabs (for diagnostic details and error messages,
// which may be several lines, indented with tabs as PostgreSQL's are).
func EscapeLines(s string) string { return escape(s, true) }

func escape(s string, keepNewlines bool) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || (dangerous(r) && !(keepNewlines && (r == '\n' || r == '\t'))) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case keepNewlines && (r == '\n' || r == '\t'):
			b.WriteByte(byte(r))
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x80 && dangerous(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case dangerous(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// escapeJSON replaces the dangerous characters that encoding/json writes raw (DEL, C1, the bidi
// controls and U+2028/9 when HTML escaping is off) by their \u escapes: the JSON decodes to the same
// text, and printing it shows nothing a terminal acts on. Outside strings JSON is ASCII, so the
// replacement can run over the whole document.
func escapeJSON(doc []byte) []byte {
	if !bytes.ContainsFunc(doc, func(r rune) bool { return r >= 0x7f && dangerous(r) }) {
		return doc
	}
	var b bytes.Buffer
	for i := 0; i < len(doc); {
		r, n := utf8.DecodeRune(doc[i:])
		if r >= 0x7f && dangerous(r) {
			fmt.Fprintf(&b, `\u%04x`, r)
		} else {
			b.Write(doc[i : i+n])
		}
		i += n
	}
	return b.Bytes()
}
