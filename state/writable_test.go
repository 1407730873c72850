package state

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestCheckWritable: a state whose directory (or journal) cannot be written is found out by
// CheckWritable, before any record; a writable one passes and is left as it was.
func TestCheckWritable(t *testing.T) {
	path := statePath(t)
	s := openT(t, path)
	must(t, s.CheckWritable())
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("CheckWritable of a new state wrote its snapshot (%v)", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 0 {
		t.Errorf("CheckWritable left %v", entries)
	}

	full := Options{OpenFile: func(name string, flag int, perm os.FileMode) (File, error) {
		return nil, &os.PathError{Op: "open", Path: name, Err: syscall.ENOSPC}
	}}
	ro, err := OpenWith(path, full)
	must(t, err)
	if err := ro.CheckWritable(); err == nil || !strings.Contains(err.Error(), "cannot be written") ||
		!errors.Is(err, syscall.ENOSPC) {
		t.Errorf("CheckWritable on a full disk: %v", err)
	}

	// A real read-only directory (root writes anyway, so only as another user).
	if os.Geteuid() == 0 {
		t.Log("running as root: the read-only directory case is covered by the injected one above")
		return
	}
	dir := t.TempDir()
	must(t, os.Chmod(dir, 0o500))
	t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
	rd, err := Open(filepath.Join(dir, "ferry.state.json"))
	must(t, err)
	if err := rd.CheckWritable(); err == nil || !errors.Is(err, os.ErrPermission) {
		t.Errorf("CheckWritable in a read-only directory: %v", err)
	}
}

// TestErrAfterAFailedJournalWrite: Err reports the failed write that made the store refuse records.
func TestErrAfterAFailedJournalWrite(t *testing.T) {
	path := statePath(t)
	s, err := OpenWith(path, Options{OpenFile: func(name string, flag int, perm os.FileMode) (File, error) {
		return nil, &os.PathError{Op: "open", Path: name, Err: syscall.ENOSPC}
	}})
	must(t, err)
	if s.Err() != nil {
		t.Fatal(s.Err())
	}
	if err := s.Intent("cutover.a", "cutover", "mgn", "cutover", 1, "k"); err == nil {
		t.Fatal("a record was accepted on a full disk")
	}
	if err := s.Err(); err == nil || !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("Err = %v", err)
	}
}
