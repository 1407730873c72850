package state

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestOpenRefusesNonRegularFiles: a FIFO (which would block ferry past its signal handling) or a
// device (/dev/zero never ends) given as the state, or lying where its journal goes, is refused at
// once with a clear error.
func TestOpenRefusesNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip(err)
	}
	withJournalFIFO := filepath.Join(dir, "state.json")
	if err := os.WriteFile(withJournalFIFO, []byte(`{"version":1,"lineage":"l","serial":1,"resources":{}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(withJournalFIFO)
	if err != nil {
		t.Fatalf("the state without journal: %v", err)
	}
	jname := s.journalPath()
	if err := syscall.Mkfifo(jname, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, "/dev/zero", dir, withJournalFIFO} {
		done := make(chan error, 1)
		go func() { _, err := Open(p); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "only a regular file can be read") {
				t.Errorf("Open(%s): %v", p, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("Open(%s) blocks", p)
		}
	}
}

// TestLockRefusesNonRegularLockFile: a FIFO where the lock file goes made Lock wait for a writer for
// ever (past SIGTERM); it is refused at once, naming what it is.
func TestLockRefusesNonRegularLockFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	if err := syscall.Mkfifo(path+".lock", 0o600); err != nil {
		t.Skip(err)
	}
	done := make(chan error, 1)
	go func() {
		unlock, err := Lock(path, "apply", 0)
		if err == nil {
			_ = unlock()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "is a named pipe, not a regular file") {
			t.Fatalf("Lock: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Lock blocks on a FIFO")
	}
}

// TestReadRunRefusesFIFO: a FIFO where the run record goes (ferry report) is refused at once.
func TestReadRunRefusesFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	if err := syscall.Mkfifo(RunPath(path), 0o600); err != nil {
		t.Skip(err)
	}
	done := make(chan error, 1)
	go func() { _, err := ReadRun(path); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "is a named pipe") {
			t.Fatalf("ReadRun: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ReadRun blocks on a FIFO")
	}
}
