package app

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/rogpeppe/go-internal/diff"

	"github.com/ferry-dev/ferry/hclspec"
	"github.com/ferry-dev/ferry/internal/atomicfile"
	"github.com/ferry-dev/ferry/views"
)

// FmtOptions are the flags of ferry fmt.
type FmtOptions struct {
	Check bool     // list files that are not formatted and exit 1; change nothing
	Diff  bool     // print the changes as a unified diff
	Files []string // format these files (any name) instead of the spec directory's *.ferry.hcl
}

// Fmt rewrites every *.ferry.hcl file of the spec directory, or the files named, in canonical form.
func Fmt(g *Globals, o FmtOptions) int {
	names := o.Files
	if len(names) == 0 {
		var err error
		names, err = filepath.Glob(filepath.Join(g.dir(), "*"+hclspec.SpecSuffix))
		if err != nil || len(names) == 0 {
			g.errorf(g.Stderr, "no *.ferry.hcl files in %s", g.dir())
			return ExitError
		}
		sort.Strings(names)
	}
	code := ExitOK
	for _, name := range names {
		if len(o.Files) == 0 && strings.HasPrefix(filepath.Base(name), ".") {
			continue // hidden files are not part of the spec
		}
		src, err := hclspec.ReadSpecFile(name)
		if err != nil {
			g.errorf(g.Stderr, "%v", err)
			return ExitError
		}
		if f, diags := hclspec.ParseFile(src, name); diags.HasErrors() {
			// Never reformat (and so never rewrite) a file that does not parse. The diagnostics are
			// rendered like validate's: the source line with the error marked, or JSON lines.
			g.writeDiagnostics(g.Stderr, views.NewDiagnostics(diags, map[string]*hcl.File{name: f}))
			code = ExitError
			continue
		}
		out := hclspec.Format(src)
		if bytes.Equal(src, out) {
			continue
		}
		if !g.JSON {
			fmt.Fprintln(g.Stdout, name)
		}
		if o.Diff {
			g.Stdout.Write(diff.Diff(name, src, name+" (formatted)", out))
		}
		if o.Check {
			if g.JSON {
				writeJSONDiags(g.Stderr, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "File is not in canonical format",
					Detail:  "Run ferry fmt to rewrite it.",
					Subject: &hcl.Range{Filename: name, Start: hcl.InitialPos, End: hcl.InitialPos}}})
			}
			code = ExitError
			continue
		}
		if err := atomicfile.Write(name, out, 0o644); err != nil {
			err = fmt.Errorf("format %s: %w", name, err)
			g.errorf(g.Stderr, "%v", err)
			return ExitError
		}
	}
	return code
}
