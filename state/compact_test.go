package state

import (
	"errors"
	"os"
	"testing"
)

func TestCompact(t *testing.T) {
	path := statePath(t)
	s := openT(t, path)
	must(t, s.Intent("cutover.a", "cutover", "mgn", "cutover", 1, "k-a"))
	must(t, s.Compact()) // first compaction: snapshot existed (written by the first record)
	first, err := os.ReadFile(path)
	must(t, err)
	must(t, s.Outcome("cutover.a", "cutover", StepOutcome{Status: StatusDone}))
	must(t, s.Put(&Resource{Addr: "cutover.b", Status: StatusImported}))
	before := s.Serial()
	must(t, s.Compact())
	if s.Serial() != before+1 {
		t.Fatalf("serial after compact %d, want %d", s.Serial(), before+1)
	}
	if fi, err := os.Stat(path + ".journal"); err != nil || fi.Size() != 0 {
		t.Fatalf("journal after compact: %v, %v", fi, err)
	}
	backup, err := os.ReadFile(path + ".backup")
	must(t, err)
	if string(backup) != string(first) {
		t.Fatal("backup is not the previous snapshot")
	}
	sameState(t, s.Snapshot(), openT(t, path).Snapshot())
	// Records after a compaction continue from its serial.
	must(t, s.Remove("cutover.b"))
	sameState(t, s.Snapshot(), openT(t, path).Snapshot())
	entries, _ := os.ReadDir(dirOf(path))
	for _, e := range entries {
		switch e.Name() {
		case "ferry.state.json", "ferry.state.json.journal", "ferry.state.json.backup":
		default:
			t.Errorf("stray file %s", e.Name())
		}
	}
}

func TestCompactNewState(t *testing.T) {
	path := statePath(t)
	s := openT(t, path)
	must(t, s.Compact())
	if _, err := os.Stat(path + ".backup"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("backup of a state that did not exist: %v", err)
	}
	re := openT(t, path)
	if re.Lineage() != s.Lineage() || re.Serial() != 1 {
		t.Fatalf("reopened lineage %s serial %d, want %s 1", re.Lineage(), re.Serial(), s.Lineage())
	}
}

// A crash after a compaction's rename but before its journal truncation leaves the new snapshot and
// the old journal: replaying must not apply the old records twice.
func TestCrashBetweenRenameAndTruncate(t *testing.T) {
	path := statePath(t)
	s := openT(t, path)
	must(t, s.Put(&Resource{Addr: "cutover.a", Status: StatusDone}))
	must(t, s.Put(&Resource{Addr: "cutover.b", Status: StatusDone}))
	must(t, s.Move("cutover.b", "cutover.c")) // would fail if applied twice
	must(t, s.Remove("cutover.a"))            // would fail if applied twice
	oldJournal, err := os.ReadFile(path + ".journal")
	must(t, err)
	must(t, s.Compact())
	want := s.Snapshot()
	must(t, s.Close())
	must(t, os.WriteFile(path+".journal", oldJournal, 0o600)) // the truncation "never happened"
	re, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	sameState(t, want, re.Snapshot())
	// And new records append after the stale ones and replay.
	re.now = openT(t, path).now
	must(t, re.Intent("cutover.c", "cutover", "mgn", "finalize", 1, "k"))
	want = re.Snapshot()
	must(t, re.Close())
	sameState(t, want, openT(t, path).Snapshot())
}

func TestStickyWriteError(t *testing.T) {
	path := statePath(t)
	s := openT(t, path)
	must(t, s.Put(&Resource{Addr: "cutover.a"}))
	must(t, s.jf.Close()) // the next write fails
	if err := s.Put(&Resource{Addr: "cutover.b"}); err == nil {
		t.Fatal("write to a closed journal succeeded")
	}
	if err := s.Put(&Resource{Addr: "cutover.c"}); err == nil {
		t.Fatal("store accepted a record after a failed write")
	}
	if err := s.Compact(); err == nil {
		t.Fatal("store compacted after a failed write")
	}
	s.jf = nil
	re := openT(t, path)
	if re.Len() != 1 {
		t.Fatalf("reopened state has %d resources, want the 1 durable one", re.Len())
	}
}

// A journal whose snapshot is missing still replays; the first write then makes a snapshot of it.
func TestJournalWithoutSnapshot(t *testing.T) {
	path := statePath(t)
	s := openT(t, path)
	must(t, s.Put(&Resource{Addr: "cutover.a", Status: StatusDone}))
	must(t, s.Put(&Resource{Addr: "cutover.b", Status: StatusDone}))
	must(t, s.Close())
	must(t, os.Remove(path))
	re := openT(t, path)
	if !re.IsNew() || re.Len() != 2 || re.Serial() != 2 {
		t.Fatalf("IsNew %v Len %d Serial %d, want true 2 2", re.IsNew(), re.Len(), re.Serial())
	}
	must(t, re.Remove("cutover.a"))
	want := re.Snapshot()
	must(t, re.Close())
	again := openT(t, path)
	if again.IsNew() {
		t.Fatal("state still new after a write")
	}
	sameState(t, want, again.Snapshot())
}
