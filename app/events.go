package app

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/fatih/color"

	"github.com/ferry-dev/ferry/executor"
	"github.com/ferry-dev/ferry/model"
)

// eventPrinter renders executor events as lines for people or as JSON lines for machines. The
// executor calls it one event at a time.
type eventPrinter struct {
	w      io.Writer
	json   bool
	ok     *color.Color
	bad    *color.Color
	last   map[model.Addr]string // last progress message printed per address (no repeats)
	encode *json.Encoder
}

func newEventPrinter(w io.Writer, asJSON, useColor bool) *eventPrinter {
	p := &eventPrinter{w: w, json: asJSON, ok: color.New(color.FgGreen), bad: color.New(color.FgRed),
		last: map[model.Addr]string{}, encode: json.NewEncoder(w)}
	if !useColor {
		p.ok.DisableColor()
		p.bad.DisableColor()
	} else {
		p.ok.EnableColor()
		p.bad.EnableColor()
	}
	return p
}

func (p *eventPrinter) print(e executor.Event) {
	if p.json {
		_ = p.encode.Encode(e)
		return
	}
	switch e.Type {
	case executor.EventStart:
		fmt.Fprintf(p.w, "%s: %s\n", e.Addr, e.Message)
	case executor.EventStep:
		if e.Message != "" {
			fmt.Fprintf(p.w, "%s: %s…\n", e.Addr, e.Message)
		}
	case executor.EventReconciled:
		fmt.Fprintf(p.w, "%s: %s%s\n", e.Addr, e.Message, ids(e.IDs))
	case executor.EventProgress:
		if len(e.IDs) > 0 {
			fmt.Fprintf(p.w, "%s: %s%s\n", e.Addr, orDefault(e.Message, "sent"), ids(e.IDs))
			p.last[e.Addr] = e.Message
			return
		}
		if e.Message != "" && p.last[e.Addr] != e.Message {
			p.last[e.Addr] = e.Message
			fmt.Fprintf(p.w, "%s: %s\n", e.Addr, e.Message)
		}
	case executor.EventHeartbeat:
		if e.Message == "" { // no progress reported yet: name the step
			fmt.Fprintf(p.w, "%s: %s still running… [%s elapsed]\n", e.Addr, e.Step, roundDur(e.Elapsed))
			return
		}
		fmt.Fprintf(p.w, "%s: still %s… [%s elapsed]\n", e.Addr, strings.TrimSuffix(e.Message, "…"), roundDur(e.Elapsed))
	case executor.EventDone:
		delete(p.last, e.Addr)
		fmt.Fprintf(p.w, "%s: %s%s%s\n", e.Addr, p.ok.Sprint(e.Message), elapsed(e.Elapsed), ids(e.IDs))
	case executor.EventFailed:
		delete(p.last, e.Addr)
		fmt.Fprintf(p.w, "%s: %s %s\n", e.Addr, p.bad.Sprint("failed:"), e.Message)
	case executor.EventSkipped:
		fmt.Fprintf(p.w, "%s: skipped: %s\n", e.Addr, e.Message)
	case executor.EventStopped:
		fmt.Fprintf(p.w, "%s: %s\n", e.Addr, e.Message)
	}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func elapsed(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return " [" + roundDur(d) + "]"
}

func roundDur(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

func ids(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(" (")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s=%s", k, m[k])
	}
	b.WriteString(")")
	return b.String()
}
