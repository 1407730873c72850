package app

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/ferry-dev/ferry/hclspec"
)

// FmtOptions are the flags of ferry fmt.
type FmtOptions struct {
	Check bool // list files that are not formatted and exit 1; change nothing
	Diff  bool // print the changes as a unified diff
}

// Fmt rewrites every *.ferry.hcl file of the spec directory in canonical form.
func Fmt(g *Globals, o FmtOptions) int {
	names, err := filepath.Glob(filepath.Join(g.dir(), "*.ferry.hcl"))
	if err != nil || len(names) == 0 {
		fmt.Fprintf(g.Stderr, "Error: no *.ferry.hcl files in %s\n", g.dir())
		return ExitError
	}
	sort.Strings(names)
	code := ExitOK
	for _, name := range names {
		src, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintf(g.Stderr, "Error: %v\n", err)
			return ExitError
		}
		out := hclspec.Format(src)
		if bytes.Equal(src, out) {
			continue
		}
		fmt.Fprintln(g.Stdout, name)
		if o.Diff {
			g.Stdout.Write(diff.Diff(name, src, name+" (formatted)", out))
		}
		if o.Check {
			code = ExitError
			continue
		}
		if err := os.WriteFile(name, out, 0o644); err != nil {
			fmt.Fprintf(g.Stderr, "Error: %v\n", err)
			return ExitError
		}
	}
	return code
}
