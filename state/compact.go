package state

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Compact writes a new snapshot (temp file in the same dir, fsync, rename; the previous snapshot kept
// as path+".backup"), then truncates the journal. Called at the end of apply and by state rm/mv.
//
// The new snapshot has the next serial, so a crash between its rename and the journal truncation
// leaves only records at or below the snapshot's serial in the journal, which Open skips.
func (s *Store) Compact() error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	// A damaged last journal line is evidence: the journal is copied aside before it is emptied.
	if err := s.keepDamaged(); err != nil {
		return fmt.Errorf("compact state: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	next := s.serial + 1
	if err := s.writeSnapshotLocked(next, true); err != nil {
		return fmt.Errorf("compact state: %w", err)
	}
	// Every record applied in memory, including lines still queued, is now in the durable snapshot.
	s.serial, s.durable, s.pending = next, next, nil
	removeStaleTemps(s.path)
	if err := s.truncateJournal(); err != nil {
		return fmt.Errorf("compact state: %w (the new snapshot is complete; the journal's old records are skipped on load)", err)
	}
	return nil
}

// writeSnapshotLocked writes the in-memory state as a snapshot with the given serial. s.mu must be
// held; s.serial is not changed.
func (s *Store) writeSnapshotLocked(serial uint64, backup bool) error {
	snap := Snapshot{Version: FormatVersion, Lineage: s.lineage, Serial: serial, Resources: s.res}
	data, err := encodeSnapshot(&snap)
	if err != nil {
		return err
	}
	if err := writeSnapshotFile(s.path, data, backup); err != nil {
		return err
	}
	s.snapOnDisk = true
	return nil
}

// truncateJournal empties the journal durably. s.syncMu and s.mu must be held.
func (s *Store) truncateJournal() error {
	f := s.jf
	if f == nil {
		var err error
		f, err = s.openFile(s.journalPath(), os.O_WRONLY, 0)
		if errors.Is(err, os.ErrNotExist) {
			s.validLen = 0
			return nil
		}
		if err != nil {
			return fmt.Errorf("truncate state journal: %w", err)
		}
		defer f.Close()
	}
	if err := f.Truncate(0); err != nil {
		return fmt.Errorf("truncate state journal %s: %w", f.Name(), err)
	}
	s.validLen = 0
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync state journal %s: %w", f.Name(), err)
	}
	return nil
}

// dirOf returns the directory holding path.
func dirOf(path string) string { return filepath.Dir(path) }
