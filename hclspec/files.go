package hclspec

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// SpecSuffix is the file name suffix of spec files.
const SpecSuffix = ".ferry.hcl"

// Files holds the parsed sources (spec files and var files) for diagnostic rendering.
type Files struct {
	parser *hclparse.Parser
	// sensitive holds the marked values met while loading (loader.registerSecrets): the values of
	// sensitive variables, as given and as converted, and what was computed from them, so that
	// callers can redact them even from the diagnostics of a spec that did not load.
	sensitive []string
}

// Sensitive returns the secrets known by the time loading stopped, sorted: every string and number
// inside the values of sensitive variables (as given and as converted), and the longer strings
// computed from them (provider arguments, locals, refused resource arguments). Callers redact them
// from all output. It is filled even when Load returns errors and no Config.
func (f *Files) Sensitive() []string {
	if f == nil {
		return nil
	}
	return f.sensitive
}

// NewFiles returns an empty set of files.
func NewFiles() *Files { return &Files{parser: hclparse.NewParser()} }

// Map returns the parsed files by file name (as used in diagnostic ranges).
func (f *Files) Map() map[string]*hcl.File {
	if f == nil || f.parser == nil {
		return nil
	}
	return f.parser.Files()
}

// Source returns the bytes of the file named name, or nil.
func (f *Files) Source(name string) []byte {
	if file := f.Map()[name]; file != nil {
		return file.Bytes
	}
	return nil
}

// parseHCL parses one file of HCL native syntax.
// A file that is not UTF-8, or nests deeper than MaxNestingDepth, is refused before the scanner
// and parser run.
func (f *Files) parseHCL(src []byte, name string) (*hcl.File, hcl.Diagnostics) {
	diags := checkEncoding(src, name)
	if !diags.HasErrors() {
		diags = checkNesting(src, name)
	}
	if diags.HasErrors() {
		// The file is registered (without a body) so that the diagnostic shows its source line.
		f.parser.AddFile(name, &hcl.File{Body: hcl.EmptyBody(), Bytes: src})
		return nil, diags
	}
	return f.parser.ParseHCL(src, name)
}

// specFiles lists the *.ferry.hcl files of dir, sorted by name.
func specFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read spec directory: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), SpecSuffix) || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names, nil
}

// displayName is how a file is named in diagnostics: relative to dir when inside it.
func displayName(dir, path string) string {
	if rel, err := filepath.Rel(dir, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}
