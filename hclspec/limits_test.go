package hclspec

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// deepSpecs are expressions nested n deep in every way that makes the HCL parser or evaluator
// recurse once per level.
func deepSpecs(n int) map[string]string {
	r := strings.Repeat
	return map[string]string{
		"parentheses": "locals {\n  x = " + r("(", n) + "1" + r(")", n) + "\n}\n",
		"tuples":      "locals {\n  x = " + r("[", n) + r("]", n) + "\n}\n",
		"objects":     "locals {\n  x = " + r("{a=", n) + "1" + r("}", n) + "\n}\n",
		"templates":   "locals {\n  x = " + r(`"${`, n) + "1" + r(`}"`, n) + "\n}\n",
		"not":         "locals {\n  x = " + r("!", n) + "true\n}\n",
		"minus":       "locals {\n  x = " + r("-", n) + "1\n}\n",
		"sum":         "locals {\n  x = 1" + r("+1", n) + "\n}\n",
		"conditional": "locals {\n  x = " + r("true ? 1 : ", n) + "2\n}\n",
		"calls":       "locals {\n  x = " + r("upper(", n) + `"a"` + r(")", n) + "\n}\n",
	}
}

// TestNestingLimit: a spec nested 100 000 deep (about 200 KB) is a diagnostic naming the file and
// line, not a stack overflow; the same constructs nested 100 deep load.
func TestNestingLimit(t *testing.T) {
	for name, src := range deepSpecs(100000) {
		t.Run(name, func(t *testing.T) {
			src = "# deep\n" + src
			cfg, _, diags := LoadSources(t.TempDir(), map[string][]byte{"deep.ferry.hcl": []byte(src)}, withTable(Options{}))
			if cfg != nil || !diags.HasErrors() {
				t.Fatalf("loaded a spec nested 100 000 deep")
			}
			d := diags[0]
			if d.Summary != "Expression nested too deeply" || !strings.Contains(d.Detail, fmt.Sprint(MaxNestingDepth)) {
				t.Fatalf("diagnostic %q: %q", d.Summary, d.Detail)
			}
			if d.Subject == nil || d.Subject.Filename != "deep.ferry.hcl" || d.Subject.Start.Line != 3 {
				t.Fatalf("diagnostic at %v, want deep.ferry.hcl line 3", d.Subject)
			}
		})
	}
	for name, src := range deepSpecs(100) {
		t.Run(name+"/100", func(t *testing.T) {
			_, _, diags := LoadSources(t.TempDir(), map[string][]byte{"ok.ferry.hcl": []byte(src)}, withTable(Options{}))
			if diags.HasErrors() {
				t.Fatalf("100 levels refused: %v", diags)
			}
		})
	}
}

// TestNestingLimitItems: operators count per item, so long lists and many attributes are not deep.
func TestNestingLimitItems(t *testing.T) {
	var b strings.Builder
	b.WriteString("locals {\n  l = [")
	for i := 0; i < 2000; i++ {
		b.WriteString("1 + 2, ")
	}
	b.WriteString("]\n")
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&b, "  a%d = -1 * 2 + (3 - 4)\n", i)
	}
	b.WriteString("}\n")
	if diags := checkNesting([]byte(b.String()), "wide.ferry.hcl"); diags.HasErrors() {
		t.Fatalf("a wide spec was refused: %v", diags)
	}
}

// TestSpecFileTooLarge: a spec file over MaxSpecFileBytes is refused before it is parsed.
func TestSpecFileTooLarge(t *testing.T) {
	dir := t.TempDir()
	big := make([]byte, MaxSpecFileBytes+1)
	for i := range big {
		big[i] = '\n'
	}
	if err := os.WriteFile(filepath.Join(dir, "big.ferry.hcl"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, diags := Load(dir, withTable(Options{}))
	wantDiag(t, diags, "File too large", "big.ferry.hcl is 16777217 bytes; ferry reads spec and variables files of at most 16777216 bytes")
}

func wantDiag(t *testing.T, diags hcl.Diagnostics, summary, detail string) {
	t.Helper()
	for _, d := range diags {
		if d.Summary == summary && strings.Contains(d.Detail, detail) {
			return
		}
	}
	t.Fatalf("no diagnostic %q containing %q in %v", summary, detail, diags)
}

// fileSpec is a spec whose local reads path with file().
func fileSpec(path string) []byte {
	return []byte(fmt.Sprintf("locals {\n  x = file(%q)\n}\n", path))
}

// TestFileLimits: file() reads regular files only, up to the limit, and with --restrict-files only
// inside the spec directory; each refusal is a diagnostic naming the file and the limit.
func TestFileLimits(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "small.txt"), []byte("0123456789"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "eleven.txt"), []byte("0123456789a"), 0o644))
	must(os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("top secret"), 0o644))
	must(os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(dir, "link.txt")))
	must(os.Symlink(filepath.Join(dir, "small.txt"), filepath.Join(dir, "inner-link.txt")))
	must(syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644))
	must(os.Mkdir(filepath.Join(dir, "sub"), 0o755))

	cases := []struct {
		path     string
		restrict bool
		want     string // "" loads
	}{
		{"small.txt", false, ""},
		{"small.txt", true, ""},
		{"inner-link.txt", true, ""},
		{"eleven.txt", false, `cannot read "eleven.txt": it is larger than file()'s limit of 10 bytes`},
		{"/dev/zero", false, `cannot read "/dev/zero": is a device, not a regular file`},
		{"fifo", false, `is a named pipe, not a regular file`},
		{"sub", false, `is a directory, not a regular file`},
		{filepath.Join(outside, "secret.txt"), false, ""},
		{filepath.Join(outside, "secret.txt"), true, "is outside the spec directory"},
		{"link.txt", true, `"link.txt" is outside the spec directory`},
		{"../" + filepath.Base(outside) + "/secret.txt", true, "is outside the spec directory"},
		{"/proc/self/environ", true, "is outside the spec directory"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s restrict=%v", c.path, c.restrict), func(t *testing.T) {
			_, _, diags := LoadSources(dir, map[string][]byte{"f.ferry.hcl": fileSpec(c.path)},
				withTable(Options{MaxFileBytes: 10, RestrictFiles: c.restrict}))
			if c.want == "" {
				if diags.HasErrors() {
					t.Fatalf("refused: %v", diags)
				}
				return
			}
			if !diags.HasErrors() {
				t.Fatalf("loaded")
			}
			if !strings.Contains(diags.Error(), c.want) {
				t.Fatalf("error %q, want %q", diags.Error(), c.want)
			}
			if d := diags[0]; d.Subject == nil || d.Subject.Filename != "f.ferry.hcl" || d.Subject.Start.Line != 2 {
				t.Fatalf("error at %v, want f.ferry.hcl:2", d.Subject)
			}
		})
	}
}

// TestRestrictFilesSpecLink: with --restrict-files a spec file that is a link to a file outside the
// spec directory is refused; without it, it is read.
func TestRestrictFilesSpecLink(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	target := filepath.Join(outside, "evil.ferry.hcl")
	if err := os.WriteFile(target, []byte("locals {\n  x = 1\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(dir, "main.ferry.hcl")); err != nil {
		t.Fatal(err)
	}
	if _, _, diags := Load(dir, withTable(Options{})); diags.HasErrors() {
		t.Fatalf("without --restrict-files: %v", diags)
	}
	_, _, diags := Load(dir, withTable(Options{RestrictFiles: true}))
	wantDiag(t, diags, "Spec file outside the spec directory", "main.ferry.hcl is a symbolic link to a file outside")
}

// TestSpecFileFIFO: a spec file that is a named pipe is refused at once, not waited on.
func TestSpecFileFIFO(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.ferry.hcl"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, diags := Load(dir, withTable(Options{}))
	wantDiag(t, diags, "Cannot read a spec file", "is a named pipe, not a regular file")
}

// localsSpec is n locals, each referring to the one before.
func localsSpec(n int) []byte {
	var b strings.Builder
	b.WriteString("locals {\n  l0 = 0\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "  l%d = local.l%d + 1\n", i, i-1)
	}
	b.WriteString("}\n")
	return []byte(b.String())
}

// TestLocalsLinear: evaluating locals allocates in proportion to their number: four times the locals,
// about four times the bytes (each evaluation used to rebuild the object of all locals: sixteen
// times). Bytes allocated are counted, not time.
func TestLocalsLinear(t *testing.T) {
	alloc := func(n int) uint64 {
		src := localsSpec(n)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, _, diags := LoadSources(t.TempDir(), map[string][]byte{"l.ferry.hcl": src}, withTable(Options{}))
		runtime.ReadMemStats(&after)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	small, large := alloc(1000), alloc(4000)
	if ratio := float64(large) / float64(small); ratio > 6 {
		t.Fatalf("4× the locals allocate %.1f× the bytes (%d → %d): not linear", ratio, small, large)
	}
}

// BenchmarkLocals loads a spec of 10 000 locals, each referring to the one before.
func BenchmarkLocals(b *testing.B) {
	src := localsSpec(10000)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, diags := LoadSources(b.TempDir(), map[string][]byte{"l.ferry.hcl": src}, withTable(Options{})); diags.HasErrors() {
			b.Fatal(diags)
		}
	}
}

// FuzzParseFile: any text is parsed (or refused by the nesting pre-scan) without a crash, and what
// the pre-scan lets through nests no deeper than the parser can take.
func FuzzParseFile(f *testing.F) {
	for _, src := range deepSpecs(300) {
		f.Add(src)
	}
	for _, src := range deepSpecs(20) {
		f.Add(src)
	}
	f.Add("locals {\n  x = <<EOT\n${(((\nEOT\n}\n")
	f.Add("# (((((\nlocals {\n  x = \"((((\" // [[[[\n}\n")
	f.Fuzz(func(t *testing.T, src string) {
		file, diags := ParseFile([]byte(src), "f.ferry.hcl")
		if file == nil && !diags.HasErrors() {
			t.Fatal("no file and no error")
		}
		_ = Format([]byte(src))
	})
}

// A binary (or non-UTF-8) spec file is one diagnostic at its first invalid byte, found before the
// scanner: HCL's scanner reports every invalid byte and took gigabytes for a 16 MiB binary file.
func TestBinarySpecIsOneDiagnostic(t *testing.T) {
	src := append([]byte("locals {\n  x = \"a"), bytes.Repeat([]byte{0xff, 0x01, 0x80}, 1<<20)...)
	_, _, diags := LoadSources("testdata", map[string][]byte{"bin.ferry.hcl": src}, withTable(Options{}))
	if len(diags) != 1 || diags[0].Summary != "Invalid character encoding" {
		t.Fatalf("want one encoding diagnostic, got %d: %v", len(diags), diags[:min(len(diags), 3)])
	}
	if s := diags[0].Subject; s == nil || s.Filename != "bin.ferry.hcl" || s.Start.Line != 2 || s.Start.Column != 9 || s.Start.Byte != 17 {
		t.Fatalf("subject = %+v, want bin.ferry.hcl:2:9 (byte 17)", s)
	}
	if _, diags := ParseFile(src, "bin.ferry.hcl"); len(diags) != 1 {
		t.Fatalf("ParseFile: want one diagnostic, got %d", len(diags))
	}
}

// TestCSVColumnLimit: a CSV whose header has more than maxCSVColumns columns is refused at its
// file() line, naming the file and the limit, before a row is decoded (1 M columns in 58 MB took
// 4.7 GB); maxCSVColumns columns decode.
func TestCSVColumnLimit(t *testing.T) {
	for _, n := range []int{maxCSVColumns, maxCSVColumns + 1, 200000} {
		dir := t.TempDir()
		cols := make([]string, n)
		vals := make([]string, n)
		for i := range cols {
			cols[i], vals[i] = fmt.Sprintf("c%d", i), "v"
		}
		csv := strings.Join(cols, ",") + "\n" + strings.Join(vals, ",") + "\n"
		if err := os.WriteFile(filepath.Join(dir, "wide.csv"), []byte(csv), 0o600); err != nil {
			t.Fatal(err)
		}
		src := "locals {\n  rows = csvdecode(file(\"wide.csv\"))\n}\n"
		_, _, diags := LoadSources(dir, map[string][]byte{"main.ferry.hcl": []byte(src)}, withTable(Options{}))
		if n <= maxCSVColumns {
			if diags.HasErrors() {
				t.Errorf("%d columns refused: %v", n, diags)
			}
			continue
		}
		want := fmt.Sprintf("wide.csv: the header has %d columns; csvdecode takes at most %d", n, maxCSVColumns)
		if !diags.HasErrors() || !strings.Contains(diags.Error(), want) || diags[0].Subject == nil || diags[0].Subject.Start.Line != 2 {
			t.Errorf("%d columns: %v; want %q at line 2", n, diags, want)
		}
	}
}
