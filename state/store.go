package state

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/ferry-dev/ferry/internal/regfile"
	"github.com/google/uuid"
)

// Store is an open state: the snapshot with the journal replayed, indexed by address in memory.
// Safe for concurrent use by many goroutines (the executor journals from parallel workers).
type Store struct {
	path string
	now  func() time.Time

	// syncMu is held by the one goroutine writing the journal (or compacting); it is always taken
	// before mu, never after.
	syncMu sync.Mutex
	// openFile opens the journal and the writability probe (Options.OpenFile).
	openFile func(name string, flag int, perm os.FileMode) (File, error)
	// jf is the journal, open for appending once the first record is written. Guarded by syncMu.
	jf File

	memory
	snapOnDisk bool   // the snapshot file exists (lineage is durable)
	validLen   int64  // journal length up to its last valid line, as found by Open
	pending    []byte // journal lines not yet written
	durable    uint64 // highest serial written and fsynced
	err        error  // sticky: set when a journal write failed; the store refuses further records
	// damaged is the replay's finding of a complete but undecodable last journal line (see
	// leftovers.go): warned about, and the journal copied aside before the line is cut.
	damaged *damagedTail
}

// Open loads path (snapshot) and path+".journal", replaying the journal. A missing snapshot is a new,
// empty state with a fresh lineage (uuid) — nothing is written until the first record. A torn last
// journal line (crash in mid-write, kill -9) is ignored, with no error; corruption before the last
// line is an error naming the file and line. Open never modifies files.
func Open(path string) (*Store, error) {
	return OpenWith(path, Options{})
}

// File is what the store writes its journal (and its writability probe) through; *os.File is one.
type File interface {
	Write(p []byte) (int, error)
	Sync() error
	Close() error
	Truncate(size int64) error
	Stat() (os.FileInfo, error)
	Name() string
}

// Options change how a store writes; the zero value writes to the file system.
type Options struct {
	// OpenFile opens the journal and the probe file of CheckWritable (nil: os.OpenFile). Tests
	// give one whose writes fail, to play a full or read-only disk.
	OpenFile func(name string, flag int, perm os.FileMode) (File, error)
}

// OpenWith is Open with options.
func OpenWith(path string, o Options) (*Store, error) {
	s := &Store{
		path:     path,
		now:      func() time.Time { return time.Now().UTC() },
		memory:   memory{res: make(map[string]*Resource)},
		openFile: o.OpenFile,
	}
	if s.openFile == nil {
		s.openFile = func(name string, flag int, perm os.FileMode) (File, error) { return os.OpenFile(name, flag, perm) }
	}
	// Only a regular file is read: a FIFO or device given as --state would block or never end.
	data, err := regfile.Read(path, 0)
	switch {
	case errors.Is(err, os.ErrNotExist):
		// A journal is only ever created after its snapshot, so one without it means the snapshot
		// was deleted or moved — even an empty journal (what a compaction leaves).
		if fi, jerr := os.Stat(s.journalPath()); jerr == nil {
			return nil, orphanJournalError(path, fi.Size() == 0)
		}
		s.lineage = uuid.NewString()
	case err != nil:
		return nil, fmt.Errorf("open state: %w", err)
	default:
		snap, err := decodeSnapshot(path, data)
		if err != nil {
			if !errors.Is(err, ErrNewerFormat) {
				err = withBackupHint(path, err)
			}
			return nil, err
		}
		s.lineage, s.serial, s.res, s.snapOnDisk = snap.Lineage, snap.Serial, snap.Resources, true
	}
	jname := s.journalPath()
	jdata, err := regfile.Read(jname, 0)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("open state journal: %w", err)
	default:
		rr, err := replayJournal(jname, jdata, s.serial, s.res)
		if err != nil {
			return nil, err
		}
		s.serial, s.validLen = rr.serial, rr.validLen
		if rr.damaged != nil {
			s.damaged = &damagedTail{line: rr.damagedLine, err: rr.damaged}
		}
	}
	s.durable = s.serial
	return s, nil
}

// ErrJournalWithoutSnapshot is wrapped by the error of Open when a journal lies beside no snapshot.
var ErrJournalWithoutSnapshot = errors.New("state journal without its snapshot")

// orphanJournalError refuses a journal whose snapshot is gone: its records apply only on top of that
// snapshot, and replayed onto a new state they would get a new lineage — and so new idempotency keys,
// under which the steps they record could not be reconciled.
// empty says the journal holds no record (everything was in the snapshot).
func orphanJournalError(path string, empty bool) error {
	j, b := path+".journal", path+".backup"
	msg := fmt.Sprintf("found %s without its snapshot %s (deleted or moved?)", j, path)
	if empty {
		msg += "; the journal is empty, so the snapshot held everything ferry recorded"
	}
	msg += "; ferry will not start a new state over it, whose new lineage would change every idempotency key. " +
		"Put the snapshot back (from where it went, or a copy) and run again"
	if _, err := os.Stat(b); err == nil {
		msg += fmt.Sprintf("; or restore the snapshot from %s (the one before the last compaction: `cp %s %s`) and move the journal away, "+
			"losing what was recorded since — check the remote systems for it (docs/state.md, Recovery)", b, b, path)
	} else {
		msg += fmt.Sprintf("; there is no %s. Or start a new state by moving the journal away: what the state recorded is then lost, so check "+
			"the remote systems and `ferry import` what exists (docs/state.md, Recovery)", b)
	}
	return fmt.Errorf("%s: %w", msg, ErrJournalWithoutSnapshot)
}

// withBackupHint adds to the error about a damaged snapshot where its backup is, if there is one.
func withBackupHint(path string, err error) error {
	b := path + ".backup"
	if _, serr := os.Stat(b); serr != nil {
		return fmt.Errorf("%w; there is no %s to restore (docs/state.md, Recovery)", err, b)
	}
	return fmt.Errorf("%w; the previous snapshot is kept in %s: keep a copy of every state file, then restore it as %s and "+
		"move the journal away — what was recorded since is then lost, so check the remote systems (docs/state.md, Recovery)", err, b, path)
}

// Path returns the snapshot path the store was opened with.
func (s *Store) Path() string { return s.path }

// journalPath returns the path of the journal beside the snapshot.
func (s *Store) journalPath() string { return s.path + ".journal" }

// IsNew reports whether nothing of this state has been written yet (no snapshot file), so that its
// lineage is not yet durable: opening the same path again would give another lineage.
func (s *Store) IsNew() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.snapOnDisk
}

// Snapshot returns a deep copy of the whole state, for commands that render all of it (ferry show,
// state list/show). It costs O(size of the state); the planner and executor use Get instead.
func (s *Store) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshotLocked()
}

// snapshotLocked copies the state; s.mu must be held.
func (s *Store) snapshotLocked() Snapshot {
	res := make(map[string]*Resource, len(s.res))
	for a, r := range s.res {
		res[a] = r.Clone()
	}
	return Snapshot{Version: FormatVersion, Lineage: s.lineage, Serial: s.serial, Resources: res}
}

// CheckWritable makes sure, before anything is sent, that the state can be written where it lives:
// it writes, fsyncs and removes a probe file beside the snapshot (a compaction and the first record
// of a new state write there) and opens the journal for appending when it exists. apply, import and
// state rm/mv call it once the lock is held, so that a read-only or full directory fails at once
// rather than each change failing on its first journal record.
func (s *Store) CheckWritable() error {
	fail := func(err error) error {
		return fmt.Errorf("the state %s cannot be written: %w; nothing was done. Make %s writable (and give its disk space), "+
			"or put the state elsewhere with --state", s.path, err, dirOf(s.path))
	}
	probe := s.path + ".probe"
	f, err := s.openFile(probe, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fail(err)
	}
	_, err = f.Write([]byte("ferry checks that the state can be written; this file is removed at once\n"))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if rerr := os.Remove(probe); err == nil && rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		err = rerr
	}
	if err != nil {
		return fail(fmt.Errorf("write %s: %w", probe, err))
	}
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	if s.jf != nil {
		return nil
	}
	j, err := s.openFile(s.journalPath(), os.O_WRONLY|os.O_APPEND, 0)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil // written after the snapshot, like a probe
	case err != nil:
		return fail(err)
	}
	return j.Close()
}

// Err returns the error that made the store refuse further records (a journal write that failed),
// or nil. After it, the journal on disk holds every record up to the failed write, perhaps without
// the last ones the store accepted in memory.
func (s *Store) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close writes any journal records still pending and closes the journal file. The store must not be
// used afterwards.
func (s *Store) Close() error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	err := s.flushLocked()
	if s.jf != nil {
		if cerr := s.jf.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close state journal: %w", cerr)
		}
		s.jf = nil
	}
	return err
}
