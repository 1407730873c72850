package state

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// damagedTail is a complete last journal line that could not be decoded (a bad checksum): not the
// torn write a crash leaves (that has no newline), so it is evidence worth keeping.
type damagedTail struct {
	line int
	err  error
	// kept is the copy of the journal made before the line was cut ("" until then).
	kept string
}

// Warnings returns what Open found that did not stop it but that the user must hear of: a damaged
// last journal line, left out of the state and kept in a copy before the journal is cut.
func (s *Store) Warnings() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.damaged == nil {
		return nil
	}
	j := s.journalPath()
	where := fmt.Sprintf("the next command that writes the state first keeps a copy of the journal, with that line, in %s.corrupt", j)
	if s.damaged.kept != "" {
		where = "a copy of the journal with that line is kept in " + s.damaged.kept
	}
	return []string{fmt.Sprintf("state journal %s: its last line (line %d) is complete but damaged (%v), so it is not a torn write "+
		"of a crash; it is left out of the state, and %s. If that record was an intent, check the remote system for its step "+
		"(docs/state.md, Recovery)", j, s.damaged.line, s.damaged.err, where)}
}

// keepDamaged copies the journal aside (journal.corrupt, or journal.corrupt.N when that exists)
// before its damaged last line is cut. s.syncMu must be held.
func (s *Store) keepDamaged() error {
	s.mu.Lock()
	d := s.damaged
	s.mu.Unlock()
	if d == nil || d.kept != "" {
		return nil
	}
	j := s.journalPath()
	dst := j + ".corrupt"
	for n := 1; ; n++ {
		if _, err := os.Lstat(dst); os.IsNotExist(err) {
			break
		}
		if n > 1000 {
			return fmt.Errorf("keep the damaged journal %s: too many .corrupt copies beside it", j)
		}
		dst = fmt.Sprintf("%s.corrupt.%d", j, n)
	}
	if err := copyFile(j, dst); err != nil {
		return fmt.Errorf("keep the damaged journal %s as %s before cutting its last line: %w", j, dst, err)
	}
	if err := syncDir(dirOf(s.path)); err != nil {
		return err
	}
	s.mu.Lock()
	d.kept = dst
	s.mu.Unlock()
	return nil
}

// removeStaleTemps removes the temp files of snapshot writes that a crash left beside path
// (path.tmp-*, path.backup.tmp). The caller holds the state lock, so no other writer owns them.
func removeStaleTemps(path string) {
	base := filepath.Base(path)
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return
	}
	for _, e := range entries {
		n := e.Name()
		if e.Type().IsRegular() && (strings.HasPrefix(n, base+".tmp-") || n == base+".backup.tmp") {
			_ = os.Remove(filepath.Join(filepath.Dir(path), n))
		}
	}
}
