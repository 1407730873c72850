package state

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// buildJournal journals a few records at path and returns the state before and after the last
// one, and the journal's bytes.
func buildJournal(t *testing.T, path string) (before, after Snapshot, journal []byte) {
	t.Helper()
	s := openT(t, path)
	must(t, s.Intent("cutover.a", "cutover", "mgn", "cutover", 1, "k-a"))
	must(t, s.Progress("cutover.a", "cutover", map[string]string{"job_id": "mgnjob-1"}))
	must(t, s.Put(&Resource{Addr: "cutover.b", Kind: "cutover", Provider: "mgn", Status: StatusImported}))
	before = s.Snapshot()
	must(t, s.Outcome("cutover.a", "cutover", StepOutcome{Status: StatusDone, Attributes: map[string]string{"lifecycle": "CUTOVER"}}))
	after = s.Snapshot()
	journal, err := os.ReadFile(path + ".journal")
	if err != nil {
		t.Fatal(err)
	}
	return before, after, journal
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// copyState copies the snapshot at src to a new temp dir and writes journal beside it.
func copyState(t *testing.T, src string, journal []byte) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "ferry.state.json")
	data, err := os.ReadFile(src)
	must(t, err)
	must(t, os.WriteFile(dst, data, 0o600))
	must(t, os.WriteFile(dst+".journal", journal, 0o600))
	return dst
}

func TestTornLastLineIgnored(t *testing.T) {
	path := statePath(t)
	before, after, journal := buildJournal(t, path)
	lastStart := bytes.LastIndexByte(journal[:len(journal)-1], '\n') + 1
	for cut := lastStart; cut < len(journal); cut++ {
		p := copyState(t, path, journal[:cut])
		s, err := Open(p)
		if err != nil {
			t.Fatalf("cut at %d of %d: Open: %v", cut, len(journal), err)
		}
		sameState(t, before, s.Snapshot())
		// The next record replaces the torn tail; the journal stays readable.
		s.now = func() time.Time { return testTime }
		must(t, s.Outcome("cutover.a", "cutover", StepOutcome{Status: StatusDone, Attributes: map[string]string{"lifecycle": "CUTOVER"}}))
		must(t, s.Close())
		re, err := Open(p)
		if err != nil {
			t.Fatalf("cut at %d: reopen after append: %v", cut, err)
		}
		sameState(t, after, re.Snapshot())
	}
	// The whole journal gives the state after the last record.
	s, err := Open(copyState(t, path, journal))
	must(t, err)
	sameState(t, after, s.Snapshot())
}

func TestGarbledLastLineIgnored(t *testing.T) {
	path := statePath(t)
	before, _, journal := buildJournal(t, path)
	lastStart := bytes.LastIndexByte(journal[:len(journal)-1], '\n') + 1
	for _, garble := range []func([]byte) []byte{
		func(j []byte) []byte { j[lastStart+5] ^= 0x20; return j },                                  // bit flip
		func(j []byte) []byte { return append(j[:lastStart], bytes.Repeat([]byte{0}, 40)...) },      // zero fill
		func(j []byte) []byte { return append(j[:lastStart], "\x00\x00\x00\n"...) },                 // zeros + newline
		func(j []byte) []byte { return append(append([]byte{}, j...), `{"serial":9,"op":"rm"`...) }, // extra torn line after
	} {
		j := garble(append([]byte{}, journal...))
		s, err := Open(copyState(t, path, j))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if !bytes.HasSuffix(j, []byte(`"op":"rm"`)) {
			sameState(t, before, s.Snapshot())
		}
	}
}

func TestCorruptionBeforeLastLine(t *testing.T) {
	path := statePath(t)
	_, _, journal := buildJournal(t, path)
	lines := bytes.SplitAfter(journal, []byte("\n"))
	tests := []struct {
		name     string
		mutate   func(lines [][]byte) [][]byte
		wantLine int
		want     string
	}{
		{"bit flip in line 2", func(l [][]byte) [][]byte { l[1][10] ^= 1; return l }, 2, "checksum mismatch"},
		{"garbage line 2", func(l [][]byte) [][]byte { l[1] = []byte("hello\n"); return l }, 2, "not a journal record"},
		{"line dropped", func(l [][]byte) [][]byte { return append(l[:1:1], l[2:]...) }, 2, "does not follow"},
		{"line repeated", func(l [][]byte) [][]byte { return append(l[:2:2], l[1:]...) }, 3, "does not follow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ls := make([][]byte, len(lines))
			for i := range lines {
				ls[i] = append([]byte{}, lines[i]...)
			}
			p := copyState(t, path, bytes.Join(tt.mutate(ls), nil))
			_, err := Open(p)
			if err == nil {
				t.Fatal("Open succeeded")
			}
			for _, want := range []string{p + ".journal", fmt.Sprintf("line %d", tt.wantLine), tt.want} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

func TestInvalidRecordInJournal(t *testing.T) {
	path := statePath(t)
	s := openT(t, path)
	must(t, s.Put(&Resource{Addr: "cutover.a"}))
	// A well-formed record that cannot apply (removing an absent address) is corruption too.
	line, err := encodeRecord(&record{Serial: 2, Op: opRemove, Addr: "cutover.none"})
	must(t, err)
	f, err := os.OpenFile(path+".journal", os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	_, err = f.Write(append(line, line...))
	must(t, err)
	must(t, f.Close())
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "not in state") {
		t.Fatalf("Open error %v, want line 2 not in state", err)
	}
}

func TestOpenDoesNotModifyFiles(t *testing.T) {
	path := statePath(t)
	_, _, journal := buildJournal(t, path)
	torn := append(append([]byte{}, journal...), `{"serial":5,"op`...)
	p := copyState(t, path, torn)
	snap, _ := os.ReadFile(p)
	if _, err := Open(p); err != nil {
		t.Fatal(err)
	}
	gotJ, _ := os.ReadFile(p + ".journal")
	gotS, _ := os.ReadFile(p)
	if !bytes.Equal(gotJ, torn) || !bytes.Equal(gotS, snap) {
		t.Fatal("Open modified the state files")
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 2 {
		t.Fatalf("Open created files: %v", entries)
	}
}
