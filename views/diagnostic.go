package views

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcled"
)

// Diagnostic is the one shape of an error or warning, for text and JSON alike: a JSON line of type
// "diagnostic" on stderr with --json, the "Error: …" block with its source line otherwise.
type Diagnostic struct {
	Header
	// Severity is "error" or "warning".
	Severity string `json:"severity"`
	Summary  string `json:"summary"`
	Detail   string `json:"detail,omitempty"`
	// File, Line and Column repeat the start of Range (the fields of the first, unversioned format).
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	// Range is the source range the diagnostic is about, when there is one.
	Range *Range `json:"range,omitempty"`
	// Snippet is the source code of the range, when the source is known.
	Snippet *Snippet `json:"snippet,omitempty"`
}

// Range is a span of a source file: Start inclusive, End exclusive.
type Range struct {
	Filename string `json:"filename"`
	Start    Pos    `json:"start"`
	End      Pos    `json:"end"`
}

// Pos is a position in a source file: Line and Column count from 1 (columns in characters), Byte
// from 0.
type Pos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

// Snippet is the source of a diagnostic's range, as OpenTofu's JSON diagnostics carry it.
type Snippet struct {
	// Context names the block the range is in, e.g. `subscription "m365"` (empty at the top level).
	Context string `json:"context,omitempty"`
	// Code is the source lines the range covers, without the final newline.
	Code string `json:"code"`
	// StartLine is the line number of Code's first line.
	StartLine int `json:"start_line"`
	// HighlightStartOffset and HighlightEndOffset are the range's byte offsets within Code.
	HighlightStartOffset int `json:"highlight_start_offset"`
	HighlightEndOffset   int `json:"highlight_end_offset"`
}

// ErrorDiagnostic is an error with no source range (a lock held, a stale plan, a bad flag).
func ErrorDiagnostic(summary, detail string) Diagnostic {
	return Diagnostic{Header: header(TypeDiagnostic), Severity: "error", Summary: summary, Detail: detail}
}

// WarningDiagnostic is a warning of the command itself, with no source range.
func WarningDiagnostic(summary, detail string) Diagnostic {
	return Diagnostic{Header: header(TypeDiagnostic), Severity: "warning", Summary: summary, Detail: detail}
}

// NewDiagnostics converts HCL diagnostics; files (by file name, as hclparse.Parser.Files returns
// them; may be nil) supply the source snippets.
//
// At most MaxDiagnostics are converted; the rest are counted in one last diagnostic, so that a binary
// or garbled file (one HCL diagnostic per byte) prints a bounded report, not millions of lines.
func NewDiagnostics(diags hcl.Diagnostics, files map[string]*hcl.File) []Diagnostic {
	n := min(len(diags), MaxDiagnostics)
	out := make([]Diagnostic, 0, n+1)
	for _, d := range diags[:n] {
		out = append(out, NewDiagnostic(d, files))
	}
	if rest := diags[n:]; len(rest) > 0 {
		more := ErrorDiagnostic(fmt.Sprintf("Too many diagnostics: %d more not shown", len(rest)),
			fmt.Sprintf("Only the first %d diagnostics are shown; fix those first (a binary or wrongly encoded file gives one per byte).", MaxDiagnostics))
		if !rest.HasErrors() {
			more.Severity = "warning"
		}
		out = append(out, more)
	}
	return out
}

// MaxDiagnostics is the most diagnostics NewDiagnostics converts; more are counted in one.
const MaxDiagnostics = 100

// maxSnippet is the most bytes of source a snippet holds; a longer one (a minified or binary line)
// is cut to a window around its subject.
const maxSnippet = 512

// NewDiagnostic converts one HCL diagnostic; see NewDiagnostics.
func NewDiagnostic(d *hcl.Diagnostic, files map[string]*hcl.File) Diagnostic {
	out := ErrorDiagnostic(d.Summary, d.Detail)
	if d.Severity == hcl.DiagWarning {
		out.Severity = "warning"
	}
	r := d.Subject
	if r == nil {
		return out
	}
	out.File, out.Line, out.Column = r.Filename, r.Start.Line, r.Start.Column
	out.Range = &Range{Filename: r.Filename,
		Start: Pos{Line: r.Start.Line, Column: r.Start.Column, Byte: r.Start.Byte},
		End:   Pos{Line: r.End.Line, Column: r.End.Column, Byte: r.End.Byte}}
	if f := files[r.Filename]; f != nil {
		out.Snippet = snippet(f, *r)
	}
	return out
}

// snippet cuts the lines of r out of f's source; nil when r lies outside it.
func snippet(f *hcl.File, r hcl.Range) *Snippet {
	src := f.Bytes
	from, ok := lineOffset(src, r.Start.Line)
	if !ok {
		return nil
	}
	endLine := max(r.End.Line, r.Start.Line)
	to := from
	for line := r.Start.Line; line <= endLine && to <= len(src); line++ {
		i := bytes.IndexByte(src[to:], '\n')
		if i < 0 {
			to = len(src)
			break
		}
		if line == endLine {
			to += i
		} else {
			to += i + 1
		}
	}
	code := strings.TrimRight(string(src[from:to]), "\r\n")
	hs := clamp(r.Start.Byte-from, 0, len(code))
	he := clamp(r.End.Byte-from, hs, len(code))
	if len(code) > maxSnippet {
		// Keep a window around the subject, cut at character boundaries.
		lo := max(0, hs-maxSnippet/4)
		for lo > 0 && !utf8.RuneStart(code[lo]) {
			lo--
		}
		hi := min(len(code), max(he, hs+maxSnippet/4))
		hi = min(hi, lo+maxSnippet)
		for hi < len(code) && !utf8.RuneStart(code[hi]) {
			hi++
		}
		code = code[lo:hi]
		hs, he = clamp(hs-lo, 0, len(code)), clamp(he-lo, 0, len(code))
		he = max(he, hs)
	}
	s := &Snippet{Code: code, StartLine: r.Start.Line, HighlightStartOffset: hs, HighlightEndOffset: he}
	s.Context = hcled.ContextString(f, r.Start.Byte)
	return s
}

// lineOffset is the byte offset of line n (from 1) in src.
func lineOffset(src []byte, n int) (int, bool) {
	if src == nil || n < 1 {
		return 0, false
	}
	off := 0
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(src[off:], '\n')
		if j < 0 {
			return 0, false
		}
		off += j + 1
	}
	return off, true
}

// TextOptions control text rendering.
type TextOptions struct {
	// Color enables ANSI colours (the subject underlined instead of a caret line).
	Color bool
	// Width wraps diagnostic details at this many characters (0: no wrapping).
	Width int
}

// ANSI sequences of the diagnostic text; with colour on the subject is underlined.
const (
	ansiReset     = "\x1b[0m"
	ansiBoldRed   = "\x1b[1;31m"
	ansiBoldYell  = "\x1b[1;33m"
	ansiBold      = "\x1b[1m"
	ansiUnderline = "\x1b[4m"
)

// diagText is a Diagnostic prepared for the text template.
type diagText struct {
	Diagnostic
	Head    string   // "Error: summary", coloured when colour is on
	Where   string   // "main.ferry.hcl:12:24, in subscription \"m365\""
	Source  []string // the source line, and the caret line without colour
	Wrapped string   // the detail, wrapped
}

var diagTemplate = parse("diagnostic", `{{define "diagnostics"}}{{range .}}{{.Head}}
{{- with .Where}}

  on {{.}}:{{end}}
{{- range .Source}}
{{.}}{{end}}
{{- with .Wrapped}}

{{.}}{{end}}

{{end}}{{end}}`)

// WriteDiagnostics writes diags for people, like Terraform does:
//
//	Error: Invalid GUID
//
//	  on main.ferry.hcl:12:24, in subscription "m365":
//	  12:   customer_id   = "not-a-guid"
//	                        ^^^^^^^^^^^^
//
//	"not-a-guid" is not a GUID; …
func WriteDiagnostics(w io.Writer, diags []Diagnostic, opt TextOptions) error {
	items := make([]diagText, len(diags))
	for i, d := range diags {
		items[i] = textOf(d, opt)
	}
	if err := render(w, diagTemplate, "diagnostics", style{on: opt.Color}, items); err != nil {
		return fmt.Errorf("write diagnostics: %w", err)
	}
	return nil
}

func textOf(d Diagnostic, opt TextOptions) diagText {
	// Summaries and details may quote remote text (Microsoft's error descriptions): escaped, but a
	// detail keeps its line breaks.
	d.Summary, d.Detail = Escape(d.Summary), EscapeLines(d.Detail)
	t := diagText{Diagnostic: d, Wrapped: wrap(d.Detail, opt.Width)}
	sev, code := "Error", ansiBoldRed
	if d.Severity == "warning" {
		sev, code = "Warning", ansiBoldYell
	}
	t.Head = sev + ": " + d.Summary
	if opt.Color {
		t.Head = code + sev + ":" + ansiReset + " " + ansiBold + d.Summary + ansiReset
	}
	if d.Range == nil {
		return t
	}
	t.Where = fmt.Sprintf("%s:%d:%d", d.Range.Filename, d.Range.Start.Line, d.Range.Start.Column)
	s := d.Snippet
	if s == nil {
		return t
	}
	if s.Context != "" {
		t.Where += ", in " + s.Context
	}
	// The first line of the snippet, with the part of the subject on it marked.
	line, _, _ := strings.Cut(s.Code, "\n")
	line = strings.TrimRight(line, "\r")
	if esc := escape(line, false); esc != strings.ReplaceAll(line, "\t", `\t`) {
		// A control character in the source: show it escaped, without a caret line (the columns
		// would no longer match).
		t.Source = []string{fmt.Sprintf("  %d: ", s.StartLine) + esc}
		return t
	}
	from := clamp(s.HighlightStartOffset, 0, len(line))
	to := clamp(s.HighlightEndOffset, from, len(line))
	prefix := fmt.Sprintf("  %d: ", s.StartLine)
	if opt.Color {
		t.Source = []string{prefix + line[:from] + ansiUnderline + line[from:to] + ansiReset + line[to:]}
		return t
	}
	t.Source = []string{prefix + line}
	if to > from {
		pad := strings.Repeat(" ", len(prefix)) + blankOut(line[:from])
		t.Source = append(t.Source, pad+strings.Repeat("^", max(1, displayWidth(line[from:to]))))
	}
	return t
}

// WriteDiagnosticsJSON writes diags as JSON lines, one per diagnostic.
func WriteDiagnosticsJSON(w io.Writer, diags []Diagnostic) error {
	var b bytes.Buffer
	for _, d := range diags {
		if err := writeJSON(&b, d, false); err != nil {
			return err
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// blankOut replaces every character of s but tabs with a space, so that a caret line lines up
// under the source line.
func blankOut(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '\t' {
			b.WriteRune(r)
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// displayWidth counts runes, with a tab as one column (it is printed as is).
func displayWidth(s string) int { return len([]rune(s)) }

func clamp(v, lo, hi int) int { return max(lo, min(v, hi)) }

// wrap breaks text at spaces so that lines are at most width runes (0: no wrapping). Existing
// newlines are kept.
func wrap(text string, width int) string {
	if width <= 0 {
		return text
	}
	var b strings.Builder
	for i, para := range strings.Split(text, "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		col := 0
		for j, word := range strings.Fields(para) {
			n := displayWidth(word)
			if j > 0 {
				if col+1+n > width {
					b.WriteByte('\n')
					col = 0
				} else {
					b.WriteByte(' ')
					col++
				}
			}
			b.WriteString(word)
			col += n
		}
	}
	return b.String()
}
