package state

import (
	"errors"
	"os"
	"strings"
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

// A journal whose snapshot was deleted is refused, not replayed onto a new lineage (which would change
// every idempotency key): the error names the journal, the missing snapshot and the backup.
func TestJournalWithoutSnapshot(t *testing.T) {
	path := statePath(t)
	s := openT(t, path)
	must(t, s.Put(&Resource{Addr: "cutover.a", Status: StatusDone}))
	must(t, s.Put(&Resource{Addr: "cutover.b", Status: StatusDone}))
	must(t, s.Close())
	snap, err := os.ReadFile(path)
	must(t, err)
	must(t, os.Remove(path))

	_, err = Open(path)
	if !errors.Is(err, ErrJournalWithoutSnapshot) || !strings.Contains(err.Error(), "found "+path+".journal without its snapshot "+path) ||
		!strings.Contains(err.Error(), "there is no "+path+".backup") {
		t.Fatalf("Open without the snapshot: %v", err)
	}
	// With a backup beside it, the error says to restore it.
	must(t, os.WriteFile(path+".backup", snap, 0o600))
	if _, err = Open(path); err == nil || !strings.Contains(err.Error(), "restore the snapshot from "+path+".backup") {
		t.Fatalf("Open without the snapshot, with a backup: %v", err)
	}
	// The snapshot put back, everything is there.
	must(t, os.WriteFile(path, snap, 0o600))
	if re := openT(t, path); re.IsNew() || re.Len() != 2 || re.Serial() != 2 {
		t.Fatalf("IsNew %v Len %d Serial %d, want false 2 2", re.IsNew(), re.Len(), re.Serial())
	}
	// An empty journal (what a compaction leaves) still means the snapshot is gone.
	must(t, os.Remove(path))
	must(t, os.Truncate(path+".journal", 0))
	if _, err = Open(path); !errors.Is(err, ErrJournalWithoutSnapshot) || !strings.Contains(err.Error(), "the journal is empty") {
		t.Fatalf("empty journal without its snapshot: %v", err)
	}
	// Moved away with its backup, the state starts afresh.
	must(t, os.Remove(path+".journal"))
	if re := openT(t, path); !re.IsNew() || re.Len() != 0 {
		t.Fatalf("no files: IsNew %v Len %d", re.IsNew(), re.Len())
	}
}

// A damaged snapshot's error says where (line, column, byte) and names the backup when there is one.
func TestCorruptSnapshotSaysWhereAndNamesTheBackup(t *testing.T) {
	path := statePath(t)
	bad := "{\n  \"version\": 1,\n  \"lineage\": \"l\",\n  \"serial\": 3,\n  \"resources\": {\n    \"a\": {\"addr\": \"a\", \"status\": 7}\n  }\n}\n"
	must(t, os.WriteFile(path, []byte(bad), 0o600))
	_, err := Open(path)
	if err == nil || !strings.Contains(err.Error(), "at line 6, column") || !strings.Contains(err.Error(), "there is no "+path+".backup") {
		t.Fatalf("type error: %v", err)
	}
	must(t, os.WriteFile(path+".backup", []byte(`{"version":1,"lineage":"l","serial":2,"resources":{}}`), 0o600))
	must(t, os.WriteFile(path, []byte("{\"version\": 1,\n  \"lineage\": \"l\",\n  \"serial\": 3,\n  \"resources\": {\n"), 0o600))
	_, err = Open(path)
	if err == nil || !strings.Contains(err.Error(), "not valid JSON at line 5, column 1 (byte 65)") ||
		!strings.Contains(err.Error(), "the previous snapshot is kept in "+path+".backup") {
		t.Fatalf("truncated snapshot: %v", err)
	}
	// A newer format is not damage: no backup advice.
	must(t, os.WriteFile(path, []byte(`{"version":99,"lineage":"l"}`), 0o600))
	if _, err = Open(path); err == nil || !strings.Contains(err.Error(), "upgrade ferry") || strings.Contains(err.Error(), ".backup") {
		t.Fatalf("newer format: %v", err)
	}
}
