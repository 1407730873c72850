package hclspec

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// errorMarkerRE finds the "# ERROR: <summary>" markers of a line (several may follow each other).
var errorMarkerRE = regexp.MustCompile(`# ERROR: (.*?)\s*(?:$|# ERROR:)`)

// TestErrorFiles loads every spec in testdata/errors and testdata/valid. A line holding
// "# ERROR: <summary>" expects an error with that summary whose subject starts on that line;
// every error must be expected, and every expectation met (in the manner of OpenTofu's
// testdata/error-files). Each error also needs a detail. The files of testdata/valid have none.
func TestErrorFiles(t *testing.T) {
	for _, dir := range []string{"testdata/errors", "testdata/valid"} {
		files, err := filepath.Glob(filepath.Join(dir, "*"+SpecSuffix))
		if err != nil || len(files) == 0 {
			t.Fatalf("no spec files in %s (%v)", dir, err)
		}
		for _, path := range files {
			t.Run(filepath.Base(path), func(t *testing.T) {
				src, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				name := filepath.Base(path)
				var want []string
				for i, line := range strings.Split(string(src), "\n") {
					rest := line
					for {
						m := errorMarkerRE.FindStringSubmatchIndex(rest)
						if m == nil {
							break
						}
						want = append(want, fmt.Sprintf("%d: %s", i+1, rest[m[2]:m[3]]))
						rest = rest[m[3]:]
					}
				}
				if dir == "testdata/valid" && len(want) > 0 {
					t.Fatalf("a valid spec carries ERROR markers")
				}
				_, _, diags := LoadSources("testdata/full", map[string][]byte{name: src}, withTable(Options{}))
				var got []string
				for _, d := range diags {
					if d.Severity != hcl.DiagError {
						continue
					}
					if d.Subject == nil || d.Subject.Filename != name {
						t.Errorf("error without a place in %s: %s", name, d.Error())
						continue
					}
					if d.Detail == "" {
						t.Errorf("error without detail: %s", d.Error())
					}
					got = append(got, fmt.Sprintf("%d: %s", d.Subject.Start.Line, d.Summary))
				}
				slices.Sort(want)
				slices.Sort(got)
				if !slices.Equal(want, got) {
					t.Errorf("errors (line: summary)\n got: %q\nwant: %q\n%s", got, want, render(diags))
				}
			})
		}
	}
}
