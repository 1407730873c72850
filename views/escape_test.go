package views

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/executor"
	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/planner"
)

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"Office 365 E3":                "Office 365 E3",
		"Evil \x1b[31mRED":             `Evil \x1b[31mRED`,
		"a\r\nb\tc\x00d\x7fe":          `a\r\nb\tc\x00d\x7fe`,
		"C1 \u0085 \u009b":             `C1 \u0085 \u009b`,
		"bidi \u202eevil\u202c \u2066": `bidi \u202eevil\u202c \u2066`,
		"sep \u2028":                   `sep \u2028`,
		"bad \xff utf8":                `bad \xff utf8`,
		"café → ✓":                     "café → ✓",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
	if got := EscapeLines("one\n\ttwo\x1b"); got != "one\n\ttwo\\x1b" {
		t.Errorf("EscapeLines = %q", got)
	}
}

// raw are the characters no output may print raw from remote text.
var raw = []string{"\x1b", "\r", "\u202e", "\u2066", "\u0085", "\x07"}

const evil = "Evil \x1b[31mRED\u202e\u2066\u0085\x07\r\nInjected line"

// TestRemoteTextIsEscapedEverywhere puts control characters and bidi overrides in every remote
// string of a plan, an apply's events and its summary, and checks that no output prints them raw.
func TestRemoteTextIsEscapedEverywhere(t *testing.T) {
	p := &planner.Plan{Changes: []model.Change{
		{Addr: model.MakeAddr("subscription", "a", evil, true), Kind: model.KindSubscription, Provider: "partnercenter",
			Action: model.ActionCreate, Summary: "migrate " + evil,
			Details: []model.Detail{{Name: "offer", Old: evil, New: "x"}, {Name: "n" + evil, New: evil}}},
		{Addr: "subscription.b", Kind: model.KindSubscription, Action: model.ActionBlocked, Summary: evil,
			Reasons: []string{evil}},
	}}
	r := NewPlanReport(p)
	outs := map[string]*bytes.Buffer{}
	for name, write := range map[string]func(*bytes.Buffer) error{
		"text":     func(b *bytes.Buffer) error { return WritePlan(b, r, TextOptions{}) },
		"color":    func(b *bytes.Buffer) error { return WritePlan(b, r, TextOptions{Color: true}) },
		"markdown": func(b *bytes.Buffer) error { return WritePlanMarkdown(b, r) },
		"json":     func(b *bytes.Buffer) error { return WritePlanJSON(b, r) },
		"events": func(b *bytes.Buffer) error {
			v := NewApplyView(b, b, ApplyViewOptions{})
			for _, typ := range []executor.EventType{executor.EventStart, executor.EventStep, executor.EventProgress,
				executor.EventReconciled, executor.EventDone, executor.EventFailed} {
				v.Event(executor.Event{Type: typ, Addr: model.Addr(evil), Step: evil, Message: evil,
					IDs: map[string]string{evil: evil}, Elapsed: time.Second})
			}
			return v.Summary(NewApplySummary(executor.Result{Failed: []executor.ChangeError{{Addr: model.Addr(evil), Step: evil, Err: errors.New(evil)}}},
				p.Changes[1:], nil))
		},
		"event-json": func(b *bytes.Buffer) error {
			v := NewApplyView(b, b, ApplyViewOptions{JSON: true})
			v.Event(executor.Event{Type: executor.EventFailed, Addr: "a", Message: evil})
			return nil
		},
		"diagnostics": func(b *bytes.Buffer) error {
			return WriteDiagnostics(b, []Diagnostic{ErrorDiagnostic(evil, evil+"\nsecond")}, TextOptions{})
		},
	} {
		b := &bytes.Buffer{}
		if err := write(b); err != nil {
			t.Fatal(name, err)
		}
		outs[name] = b
		for _, c := range raw {
			if name == "color" && c == "\x1b" {
				c = "\x1b[31mRED" // the colours themselves are ANSI sequences
			}
			if strings.Contains(b.String(), c) {
				t.Errorf("%s output prints %q raw:\n%s", name, c, b)
			}
		}
	}
	for _, name := range []string{"text", "markdown"} {
		if !strings.Contains(outs[name].String(), `RED\u202e`) {
			t.Errorf("%s output does not show the escapes:\n%s", name, outs[name])
		}
	}
	// JSON keeps the text: it decodes to the very same string.
	var doc struct {
		Changes []struct{ Reasons []string }
	}
	if err := json.Unmarshal(outs["json"].Bytes(), &doc); err != nil || doc.Changes[1].Reasons[0] != evil {
		t.Errorf("plan JSON does not decode to the remote text (%v): %+v", err, doc)
	}
	// Markdown also escapes its own metacharacters after the control characters.
	if md := mdEscape("a\x1b*b*\n~x~ &amp;"); md != `a\\x1b\*b\*\\n\~x\~ &amp;amp;` {
		t.Errorf("mdEscape = %q", md)
	}
	// No @mention reaches a pull request from remote text: a zero-width space breaks each one.
	if md := mdEscape("Teams for @contoso/admins and @bob"); md != "Teams for @\u200bcontoso/admins and @\u200bbob" {
		t.Errorf("mdEscape = %q", md)
	}
}
