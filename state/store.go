package state

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

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
	// jf is the journal, open for appending once the first record is written. Guarded by syncMu.
	jf *os.File

	mu         sync.Mutex
	lineage    string
	serial     uint64
	res        map[string]*Resource
	snapOnDisk bool   // the snapshot file exists (lineage is durable)
	validLen   int64  // journal length up to its last valid line, as found by Open
	pending    []byte // journal lines not yet written
	durable    uint64 // highest serial written and fsynced
	err        error  // sticky: set when a journal write failed; the store refuses further records
}

// Open loads path (snapshot) and path+".journal", replaying the journal. A missing snapshot is a new,
// empty state with a fresh lineage (uuid) — nothing is written until the first record. A torn last
// journal line (crash in mid-write, kill -9) is ignored, with no error; corruption before the last
// line is an error naming the file and line. Open never modifies files.
func Open(path string) (*Store, error) {
	s := &Store{
		path: path,
		now:  func() time.Time { return time.Now().UTC() },
		res:  make(map[string]*Resource),
	}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		s.lineage = uuid.NewString()
	case err != nil:
		return nil, fmt.Errorf("open state: %w", err)
	default:
		snap, err := decodeSnapshot(path, data)
		if err != nil {
			return nil, err
		}
		s.lineage, s.serial, s.res, s.snapOnDisk = snap.Lineage, snap.Serial, snap.Resources, true
	}
	jname := s.journalPath()
	jdata, err := os.ReadFile(jname)
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
	}
	s.durable = s.serial
	return s, nil
}

// Path returns the snapshot path the store was opened with.
func (s *Store) Path() string { return s.path }

// journalPath returns the path of the journal beside the snapshot.
func (s *Store) journalPath() string { return s.path + ".journal" }

// Lineage returns the state's lineage, a UUID fixed when the state was first written.
func (s *Store) Lineage() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lineage
}

// IsNew reports whether nothing of this state has been written yet (no snapshot file), so that its
// lineage is not yet durable: opening the same path again would give another lineage.
func (s *Store) IsNew() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.snapOnDisk
}

// Serial increases with every record journaled and every compaction; a saved plan records it and
// apply refuses the plan if the serial moved on.
func (s *Store) Serial() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.serial
}

// Get returns a copy of one resource (nil, false when absent). O(1) in the size of the state.
func (s *Store) Get(addr string) (*Resource, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.res[addr]
	if !ok {
		return nil, false
	}
	return r.Clone(), true
}

// Addrs returns every address, sorted.
func (s *Store) Addrs() []string {
	s.mu.Lock()
	addrs := make([]string, 0, len(s.res))
	for a := range s.res {
		addrs = append(addrs, a)
	}
	s.mu.Unlock()
	slices.Sort(addrs)
	return addrs
}

// Len returns the number of resources.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.res)
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
