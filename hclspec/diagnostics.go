package hclspec

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcled"
)

// ANSI escape sequences used when colour is on.
const (
	ansiReset     = "\x1b[0m"
	ansiBoldRed   = "\x1b[1;31m"
	ansiBoldYell  = "\x1b[1;33m"
	ansiBold      = "\x1b[1m"
	ansiUnderline = "\x1b[4m"
)

// WriteDiagnostics renders diags like Terraform does:
//
//	Error: Invalid GUID
//
//	  on main.ferry.hcl line 12, column 24, in subscription "m365":
//	  12:   customer_id   = "not-a-guid"
//	                        ^^^^^^^^^^^^
//
//	"not-a-guid" is not a GUID; …
//
// With color the severity is coloured and the subject underlined (no caret line). width wraps
// the detail (0: no wrapping). files may be nil: then no source lines are shown.
func WriteDiagnostics(w io.Writer, files *Files, diags hcl.Diagnostics, color bool, width uint) error {
	bw := bufio.NewWriter(w)
	for _, d := range diags {
		writeDiagnostic(bw, files, d, color, width)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write diagnostics: %w", err)
	}
	return nil
}

func writeDiagnostic(w *bufio.Writer, files *Files, d *hcl.Diagnostic, color bool, width uint) {
	sev, code := "Error", ansiBoldRed
	if d.Severity == hcl.DiagWarning {
		sev, code = "Warning", ansiBoldYell
	}
	if color {
		fmt.Fprintf(w, "%s%s:%s %s%s%s\n", code, sev, ansiReset, ansiBold, d.Summary, ansiReset)
	} else {
		fmt.Fprintf(w, "%s: %s\n", sev, d.Summary)
	}
	if d.Subject != nil {
		writeSnippet(w, files, d.Subject, color)
	}
	if d.Detail != "" {
		w.WriteString("\n")
		w.WriteString(wrap(d.Detail, int(width)))
		w.WriteString("\n")
	}
	w.WriteString("\n")
}

// writeSnippet writes the "on FILE line N" header and the source line with the subject marked.
func writeSnippet(w *bufio.Writer, files *Files, subj *hcl.Range, color bool) {
	src := files.Source(subj.Filename)
	ctx := ""
	if f := files.Map()[subj.Filename]; f != nil {
		if c := hcled.ContextString(f, subj.Start.Byte); c != "" {
			ctx = ", in " + c
		}
	}
	fmt.Fprintf(w, "\n  on %s:%d:%d%s:\n", subj.Filename, subj.Start.Line, subj.Start.Column, ctx)
	line, start, ok := sourceLine(src, subj.Start.Line)
	if !ok {
		return
	}
	prefix := fmt.Sprintf("  %d: ", subj.Start.Line)
	// The subject's part of this line, in bytes from the line start.
	from := clamp(subj.Start.Byte-start, 0, len(line))
	to := len(line)
	if subj.End.Line == subj.Start.Line {
		to = clamp(subj.End.Byte-start, from, len(line))
	}
	if color {
		fmt.Fprintf(w, "%s%s%s%s%s%s\n", prefix, line[:from], ansiUnderline, line[from:to], ansiReset, line[to:])
		return
	}
	fmt.Fprintf(w, "%s%s\n", prefix, line)
	if to > from {
		pad := strings.Repeat(" ", len(prefix)) + blankOut(line[:from])
		fmt.Fprintf(w, "%s%s\n", pad, strings.Repeat("^", max(1, displayWidth(line[from:to]))))
	}
}

// sourceLine returns line n (1-based) of src without its newline, and its byte offset.
func sourceLine(src []byte, n int) (string, int, bool) {
	if src == nil || n < 1 {
		return "", 0, false
	}
	off := 0
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(src[off:], '\n')
		if j < 0 {
			return "", 0, false
		}
		off += j + 1
	}
	end := bytes.IndexByte(src[off:], '\n')
	if end < 0 {
		end = len(src) - off
	}
	return strings.TrimRight(string(src[off:off+end]), "\r"), off, true
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
