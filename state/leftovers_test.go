package state

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDamagedLastLineIsKept: a complete last journal line with a bad checksum is not silently
// dropped as a torn write: Open warns about it (naming the file and line), the next write keeps a
// copy of the journal with the line before cutting it, and a torn line (no newline) stays silent.
func TestDamagedLastLineIsKept(t *testing.T) {
	path := statePath(t)
	s := openT(t, path)
	for _, a := range []string{"cutover.a", "cutover.b"} {
		if err := s.Put(&Resource{Addr: a, Kind: "cutover", Provider: "mgn", Status: StatusDone}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	j := path + ".journal"
	orig, err := os.ReadFile(j)
	if err != nil {
		t.Fatal(err)
	}
	// Flip a byte of the last record's address (cutover.b → cutover.c): the line stays complete.
	damaged := bytes.Replace(orig, []byte(`cutover.b`), []byte(`cutover.c`), 1)
	if bytes.Equal(damaged, orig) {
		t.Fatal("test setup: nothing flipped")
	}
	if err := os.WriteFile(j, damaged, 0o600); err != nil {
		t.Fatal(err)
	}

	s2 := openT(t, path)
	if _, ok := s2.Get("cutover.b"); ok {
		t.Fatal("the damaged record was applied")
	}
	w := strings.Join(s2.Warnings(), "\n")
	for _, want := range []string{j, "last line (line 2) is complete but damaged", "checksum", j + ".corrupt"} {
		if !strings.Contains(w, want) {
			t.Errorf("warning lacks %q: %s", want, w)
		}
	}
	if _, err := os.Stat(j + ".corrupt"); err == nil {
		t.Fatal("Open wrote the copy; only a write of the state may")
	}
	if err := s2.Put(&Resource{Addr: "cutover.d", Kind: "cutover", Provider: "mgn", Status: StatusDone}); err != nil {
		t.Fatal(err)
	}
	kept, err := os.ReadFile(j + ".corrupt")
	if err != nil {
		t.Fatalf("no copy of the damaged journal: %v", err)
	}
	if !bytes.Equal(kept, damaged) {
		t.Errorf("the copy differs from the damaged journal")
	}
	if w := strings.Join(s2.Warnings(), "\n"); !strings.Contains(w, "is kept in "+j+".corrupt") {
		t.Errorf("warning after the copy: %s", w)
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	// A second damage keeps the first copy and makes another.
	now, _ := os.ReadFile(j)
	if err := os.WriteFile(j, bytes.Replace(now, []byte(`cutover.d`), []byte(`cutover.e`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	s3 := openT(t, path)
	if err := s3.Put(&Resource{Addr: "cutover.f", Kind: "cutover", Provider: "mgn", Status: StatusDone}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(j + ".corrupt.1"); err != nil {
		t.Errorf("second copy: %v", err)
	}

	// A torn last line (no newline) is what a crash leaves: no warning.
	torn := statePath(t)
	s4 := openT(t, torn)
	if err := s4.Put(&Resource{Addr: "cutover.a", Kind: "cutover", Provider: "mgn", Status: StatusDone}); err != nil {
		t.Fatal(err)
	}
	_ = s4.Close()
	f, err := os.OpenFile(torn+".journal", os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(`{"serial":9,"op":"put","addr":"cut`)
	_ = f.Close()
	if w := openT(t, torn).Warnings(); len(w) != 0 {
		t.Errorf("a torn line warned: %v", w)
	}
}

// TestCompactRemovesStaleTemps: compaction removes the temp files an interrupted snapshot write left
// beside the state, and nothing else.
func TestCompactRemovesStaleTemps(t *testing.T) {
	path := statePath(t)
	dir := filepath.Dir(path)
	stale := []string{"ferry.state.json.tmp-123", "ferry.state.json.tmp-99999", "ferry.state.json.backup.tmp"}
	keep := []string{"other.state.json.tmp-1", "ferry.state.json.backup", "notes.txt"}
	for _, n := range append(append([]string{}, stale...), keep...) {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s := openT(t, path)
	if err := s.Put(&Resource{Addr: "cutover.a", Kind: "cutover", Provider: "mgn", Status: StatusDone}); err != nil {
		t.Fatal(err)
	}
	if err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	for _, n := range stale {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			t.Errorf("%s left after compaction", n)
		}
	}
	for _, n := range keep {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s removed: %v", n, err)
		}
	}
}
