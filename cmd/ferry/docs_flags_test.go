package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ferry-dev/ferry/app"
)

// TestEveryFlagIsDocumented: docs/commands.md names every command and every flag that --help shows,
// and the README's command table names every command; a flag added without its documentation, or a
// command the README forgot, fails here.
func TestEveryFlagIsDocumented(t *testing.T) {
	commands, err := os.ReadFile("../../docs/commands.md")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	root := newRoot(&app.Globals{}, func(int) {})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			return
		}
		path := c.CommandPath()
		if c != root {
			if !names(string(commands), c) {
				t.Errorf("docs/commands.md does not describe %q", path)
			}
			if !names(string(readme), c) {
				t.Errorf("README.md does not list %q", path)
			}
		}
		check := func(f *pflag.Flag) {
			if f.Hidden || f.Name == "help" {
				return
			}
			if !regexp.MustCompile(`--` + regexp.QuoteMeta(f.Name) + `([^A-Za-z0-9-]|$)`).Match(commands) {
				t.Errorf("docs/commands.md does not document --%s (of %s)", f.Name, path)
			}
		}
		c.LocalNonPersistentFlags().VisitAll(check)
		c.PersistentFlags().VisitAll(check)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// names reports whether some line of doc names command c: its parent's path (`ferry state`) and its
// own name as a word ("ferry state list | show ADDR | rm ADDR…" names show and rm).
func names(doc string, c *cobra.Command) bool {
	parent := c.Parent().CommandPath()
	for _, line := range strings.Split(doc, "\n") {
		i := strings.Index(line, parent+" ")
		if i < 0 {
			continue
		}
		for _, w := range strings.FieldsFunc(line[i+len(parent):], func(r rune) bool {
			return r == ' ' || r == '|' || r == '`' || r == '/' || r == ','
		}) {
			if w == c.Name() {
				return true
			}
		}
	}
	return false
}
