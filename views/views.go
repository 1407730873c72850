// Package views renders what every command reports: one report struct per output (validate, plan,
// apply events and summary, show, state list, diagnostics), rendered for people as text and markdown
// by text/template templates over the struct, and for machines as JSON by marshalling the same struct.
//
// Every JSON document and JSON line carries "type" and "format_version" and is described in
// docs/json.md. FormatVersion is bumped on an incompatible change; fields may be added within a
// version. The public plan JSON is a projection of the plan (addresses, actions, attributes before →
// after, reasons, summary), never the plan file: no step payloads and no state entries.
//
// Every renderer builds its whole output first and writes it with one Write call, so that the
// redacting writer of app never sees a value split across two writes.
package views

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"text/template"

	"github.com/fatih/color"

	"github.com/ferry-dev/ferry/model"
)

// FormatVersion is the "format_version" of every JSON document and line ferry prints.
const FormatVersion = "1.0"

// Header is the start of every JSON document and line: what it is and the version of its format.
type Header struct {
	Type          string `json:"type"`
	FormatVersion string `json:"format_version"`
}

func header(typ string) Header { return Header{Type: typ, FormatVersion: FormatVersion} }

// Document types: the "type" of each JSON document and line.
const (
	TypePlan          = "plan"
	TypeValidate      = "validate"
	TypeEvent         = "event"
	TypeApplySummary  = "apply_summary"
	TypeDiagnostic    = "diagnostic"
	TypeState         = "state"
	TypeStateList     = "state_list"
	TypeStateResource = "state_resource"
	TypeVersion       = "version"
)

// writeJSON writes v as one JSON document: indented when indent, else one line.
func writeJSON(w io.Writer, v any, indent bool) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(escapeJSON(b.Bytes()))
	return err
}

// style is the colouring of text output; with colour off every function returns its text unchanged.
type style struct{ on bool }

func (s style) paint(attrs ...color.Attribute) func(any) string {
	c := color.New(attrs...)
	if s.on {
		c.EnableColor()
	} else {
		c.DisableColor()
	}
	return func(v any) string { return c.Sprint(v) }
}

// funcs are the template functions every text and markdown template may use.
func (s style) funcs() template.FuncMap {
	green, cyan, yellow, red := s.paint(color.FgGreen), s.paint(color.FgCyan), s.paint(color.FgYellow), s.paint(color.FgRed)
	dim := s.paint(color.Faint)
	return template.FuncMap{
		"bold":  s.paint(color.Bold),
		"dim":   dim,
		"green": green,
		"red":   red,
		// paint colours text by the action it belongs to.
		"paint": func(a model.Action, v any) string {
			switch a {
			case model.ActionCreate, model.ActionImport:
				return green(v)
			case model.ActionResume, model.ActionUpdate:
				return cyan(v)
			case model.ActionForget:
				return yellow(v)
			case model.ActionBlocked:
				return red(v)
			}
			return dim(v)
		},
		"symbol": Symbol,
		// mdSymbol is Symbol with "=" for unchanged (a code span of a space shows nothing).
		"mdSymbol": func(a model.Action) string {
			if s := Symbol(a); s != " " {
				return s
			}
			return "="
		},
		"esc":    Escape,
		"md":     mdEscape,
		"code":   mdCode,
		"join":   strings.Join,
		"plural": plural,
	}
}

// render executes the named template of t over data and writes the result with one Write call.
func render(w io.Writer, t *template.Template, name string, s style, data any) error {
	var b bytes.Buffer
	tc, err := t.Clone()
	if err != nil {
		return err
	}
	if err := tc.Funcs(s.funcs()).ExecuteTemplate(&b, name, data); err != nil {
		return err
	}
	_, err = w.Write(b.Bytes())
	return err
}

// parse parses templates with the function names of style.funcs (their colour is set at render time).
func parse(name, text string) *template.Template {
	return template.Must(template.New(name).Funcs(style{}.funcs()).Parse(text))
}

// Symbol is the one-character mark of an action in text and markdown output.
func Symbol(a model.Action) string {
	switch a {
	case model.ActionCreate:
		return "+"
	case model.ActionResume:
		return ">"
	case model.ActionUpdate:
		return "~"
	case model.ActionImport:
		return "<"
	case model.ActionForget:
		return "-"
	case model.ActionBlocked:
		return "!"
	}
	return " "
}

// mdEscape makes text safe inside a markdown paragraph, list item or table cell: no raw HTML, no
// table breaks, no line breaks, no emphasis, strike-through, entities or links from remote text, no
// @mention (a zero-width space follows each "@", so remote text such as an offer named "@org/team"
// notifies nobody when the plan is posted to a pull request), and nothing a terminal acts on
// (Escape first).
func mdEscape(s string) string {
	return mdEscaper.Replace(Escape(s))
}

var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "|", `\|`, "<", "&lt;", ">", "&gt;", "&", "&amp;",
	"*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "~", `\~`, "@", "@\u200b",
)

// mdCode renders s as inline code, with a fence longer than any run of backticks in s.
func mdCode(s string) string {
	s = Escape(s)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
