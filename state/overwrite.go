package state

import "fmt"

// Overwrite replaces the whole state by snap (lineage and serial included): the snapshot file is
// rewritten (the previous one kept as the backup) and the journal emptied. The serial is snap's, or
// one above this state's when that is not higher. state push and pull use
// it to move a state between backends with nothing lost. The caller holds the lock.
func (s *Store) Overwrite(snap Snapshot) error {
	if snap.Lineage == "" {
		return fmt.Errorf("overwrite state %s: the new state has no lineage", s.path)
	}
	res := make(map[string]*Resource, len(snap.Resources))
	for a, r := range snap.Resources {
		if err := validResource(a, r); err != nil {
			return fmt.Errorf("overwrite state %s: %w", s.path, err)
		}
		res[a] = r.Clone()
	}
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	// The new snapshot's serial is above every record of the journal it replaces, so that a crash
	// before the journal is emptied leaves only records that loading skips.
	serial := snap.Serial
	if serial <= s.serial {
		serial = s.serial + 1
	}
	s.lineage, s.res, s.pending = snap.Lineage, res, nil
	if err := s.writeSnapshotLocked(serial, true); err != nil {
		return fmt.Errorf("overwrite state: %w", err)
	}
	s.serial, s.durable = serial, serial
	if err := s.truncateJournal(); err != nil {
		return fmt.Errorf("overwrite state: %w", err)
	}
	return nil
}
