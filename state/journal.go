package state

import (
	"fmt"
	"os"
)

// StepOutcome is the result of a step, as journaled by Outcome.
type StepOutcome struct {
	// Failed marks the step as StepFailed instead of StepDone.
	Failed bool
	// Error is the failure message of a failed step.
	Error string
	// RemoteIDs are merged into the step's and the resource's remote IDs.
	RemoteIDs map[string]string
	// Attributes are merged into the resource's attributes.
	Attributes map[string]string
	// Status, when not empty, becomes the resource's status.
	Status string
	// Kind and Provider describe the resource when the outcome creates it (a non-mutating step
	// journals only an outcome, with no intent before it).
	Kind, Provider string
	// Attempt and Key are recorded when the outcome creates the step record.
	Attempt int
	Key     string
	// Final, when set on a step that succeeded, is the change's final state entry (its kind,
	// provider, status, remote IDs and attributes; steps and address are ignored), merged into the
	// resource after the step's own fields by the same record. The executor sets it on a change's
	// last step, so that the step's outcome and the entry are durable together: a crash can never
	// leave the status of the last step (e.g. migrated) without the entry's identifying IDs.
	Final *Resource
}

// Intent journals that step of addr is about to be sent under idempotency key: the step becomes
// StepIntent, and the resource is created (StatusInProgress) if absent. It returns once the record
// is durable; only then may the mutating remote call be made.
func (s *Store) Intent(addr, kind, provider, step string, attempt int, key string) error {
	return s.IntentWithIDs(addr, kind, provider, step, attempt, key, nil)
}

// IntentWithIDs is Intent with remote IDs the step will send besides its key (e.g. the batch id of a
// Partner Center create), recorded in the step's record by the same durable record, so that an
// interrupted step can be looked up by them.
func (s *Store) IntentWithIDs(addr, kind, provider, step string, attempt int, key string, remoteIDs map[string]string) error {
	return s.append(&record{Op: opIntent, Addr: addr, Kind: kind, Provider: provider, Step: step, Attempt: attempt, Key: key, RemoteIDs: remoteIDs})
}

// Progress journals remote IDs a running step reported, merging them into the step and the
// resource (both created if absent).
func (s *Store) Progress(addr, step string, remoteIDs map[string]string) error {
	return s.append(&record{Op: opProgress, Addr: addr, Step: step, RemoteIDs: remoteIDs})
}

// Outcome journals the end of a step: StepDone or StepFailed, its remote IDs and attributes merged
// into the resource, and the resource's status set when o.Status is not empty. The resource and the
// step record are created if absent.
func (s *Store) Outcome(addr, step string, o StepOutcome) error {
	return s.append(&record{
		Op: opOutcome, Addr: addr, Step: step, Kind: o.Kind, Provider: o.Provider, Attempt: o.Attempt, Key: o.Key,
		Failed: o.Failed, Error: o.Error, RemoteIDs: o.RemoteIDs, Attributes: o.Attributes, Status: o.Status,
		Final: finalEntry(o),
	})
}

// finalEntry is the part of o.Final that an outcome record carries: none for a failed step.
func finalEntry(o StepOutcome) *Resource {
	if o.Final == nil || o.Failed {
		return nil
	}
	return &Resource{Kind: o.Final.Kind, Provider: o.Final.Provider, Status: o.Final.Status,
		RemoteIDs: cloneMap(o.Final.RemoteIDs), Attributes: cloneMap(o.Final.Attributes)}
}

// Put inserts or replaces one resource, under r.Addr (import, refresh).
func (s *Store) Put(r *Resource) error {
	if r == nil {
		return fmt.Errorf("put resource: nil resource")
	}
	c := r.Clone()
	return s.append(&record{Op: opPut, Addr: c.Addr, Resource: c})
}

// Remove forgets one resource; nothing remote is touched. The error wraps ErrNotFound when addr is
// not in the state.
func (s *Store) Remove(addr string) error {
	return s.append(&record{Op: opRemove, Addr: addr})
}

// Move renames a resource (state mv). The error wraps ErrNotFound when from is absent and ErrExists
// when to is present.
func (s *Store) Move(from, to string) error {
	return s.append(&record{Op: opMove, Addr: from, To: to})
}

// append validates r against the state, applies it in memory, queues its journal line and waits
// until the line is durable. Concurrent appenders share fsyncs (group commit): whoever gets to write
// writes every line queued so far. If a write fails, the store refuses further records, since the
// journal's end is then unknown; reopen it to continue.
func (s *Store) append(r *record) error {
	s.mu.Lock()
	if s.err != nil {
		err := s.err
		s.mu.Unlock()
		return err
	}
	if err := checkRecord(s.res, r); err != nil {
		s.mu.Unlock()
		return fmt.Errorf("state %s: %w", r.Op, err)
	}
	if !s.snapOnDisk {
		// Make the lineage durable before the first record: idempotency keys derive from it.
		if err := s.writeSnapshotLocked(s.serial, false); err != nil {
			s.mu.Unlock()
			return err
		}
	}
	r.Serial = s.serial + 1
	r.Time = s.now()
	line, err := encodeRecord(r)
	if err == nil {
		err = applyRecord(s.res, r)
	}
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("state %s: %w", r.Op, err)
	}
	s.serial = r.Serial
	s.pending = append(s.pending, line...)
	s.mu.Unlock()
	return s.waitDurable(r.Serial)
}

// waitDurable returns once the record of serial my is written and fsynced, writing it (and every
// other queued line) itself if nobody else has.
func (s *Store) waitDurable(my uint64) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	done, err := s.durable >= my, s.err
	s.mu.Unlock()
	if done {
		return nil
	}
	if err != nil {
		return err
	}
	return s.flushLocked()
}

// flushLocked writes and fsyncs every queued journal line. s.syncMu must be held.
func (s *Store) flushLocked() error {
	s.mu.Lock()
	if s.err != nil {
		err := s.err
		s.mu.Unlock()
		return err
	}
	buf, top := s.pending, s.serial
	s.pending = nil
	s.mu.Unlock()
	if len(buf) == 0 {
		return nil
	}
	err := s.writeJournal(buf)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.err = fmt.Errorf("state journal write failed, state is read-only until reopened: %w", err)
		return s.err
	}
	s.durable = top
	return nil
}

// writeJournal appends buf to the journal and fsyncs it, opening the journal on first use (and
// cutting off a torn tail left by a crash). s.syncMu must be held.
func (s *Store) writeJournal(buf []byte) error {
	if s.jf == nil {
		if err := s.openJournal(); err != nil {
			return err
		}
	}
	if _, err := s.jf.Write(buf); err != nil {
		return fmt.Errorf("append to %s: %w", s.jf.Name(), err)
	}
	if err := s.jf.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", s.jf.Name(), err)
	}
	return nil
}

// openJournal opens the journal for appending. s.syncMu must be held.
func (s *Store) openJournal() error {
	name := s.journalPath()
	f, err := s.openFile(name, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open state journal: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("open state journal: %w", err)
	}
	if fi.Size() > s.validLen {
		if err := s.keepDamaged(); err != nil {
			_ = f.Close()
			return err
		}
		if err := f.Truncate(s.validLen); err != nil {
			_ = f.Close()
			return fmt.Errorf("cut torn tail of %s: %w", name, err)
		}
	}
	if err := syncDir(dirOf(s.path)); err != nil {
		_ = f.Close()
		return err
	}
	s.jf = f
	return nil
}
