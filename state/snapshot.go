package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// FormatVersion is the snapshot format version this package writes and the newest it reads.
const FormatVersion = 1

// Snapshot is the content of a state snapshot file, and a full copy of an open state.
type Snapshot struct {
	// Version is the snapshot format version (FormatVersion).
	Version int `json:"version"`
	// Lineage identifies the state across its life (a UUID made when it was created).
	Lineage string `json:"lineage"`
	// Serial increases with every journaled record and every compaction.
	Serial uint64 `json:"serial"`
	// Resources holds every resource by address.
	Resources map[string]*Resource `json:"resources"`
}

// decodeSnapshot parses and checks a snapshot file's content; name is used in errors.
func decodeSnapshot(name string, data []byte) (*Snapshot, error) {
	// One pass in the common case; the version is checked before any decoding error is reported, so
	// that a newer format is refused as such.
	var s struct {
		Snapshot
		Version *int `json:"version"`
	}
	decodeErr := json.Unmarshal(data, &s)
	if decodeErr != nil {
		var head struct {
			Version *int `json:"version"`
		}
		if err := json.Unmarshal(data, &head); err != nil {
			return nil, fmt.Errorf("state snapshot %s is not valid JSON%s: %w", name, jsonErrorAt(data, err), err)
		}
		s.Version = head.Version
	}
	switch {
	case s.Version == nil || *s.Version < 1:
		return nil, fmt.Errorf("state snapshot %s has no valid \"version\": not a ferry state file", name)
	case *s.Version > FormatVersion:
		return nil, fmt.Errorf("state snapshot %s has format version %d, but this ferry reads only up to version %d; upgrade ferry: %w",
			name, *s.Version, FormatVersion, ErrNewerFormat)
	case decodeErr != nil:
		return nil, fmt.Errorf("state snapshot %s%s: %w", name, jsonErrorAt(data, decodeErr), decodeErr)
	}
	s.Snapshot.Version = *s.Version
	return checkSnapshot(name, &s.Snapshot)
}

// ErrNewerFormat is wrapped by the error about a snapshot written by a newer ferry.
var ErrNewerFormat = errors.New("newer state format")

// jsonErrorAt says where in data a JSON decoding error is, as " at line L, column C (byte B)", or ""
// when the error carries no offset.
func jsonErrorAt(data []byte, err error) string {
	var off int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return ""
	}
	line, col := 1, 1
	for _, b := range data[:off] {
		if b == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Sprintf(" at line %d, column %d (byte %d)", line, col, off)
}

// checkSnapshot validates a decoded snapshot and fills in what older writers may omit.
func checkSnapshot(name string, s *Snapshot) (*Snapshot, error) {
	if s.Lineage == "" {
		return nil, fmt.Errorf("state snapshot %s has no lineage: not a ferry state file", name)
	}
	if s.Resources == nil {
		s.Resources = make(map[string]*Resource)
	}
	for addr, r := range s.Resources {
		if r != nil && r.Addr == "" {
			r.Addr = addr
		}
		if err := validResource(addr, r); err != nil {
			return nil, fmt.Errorf("state snapshot %s: %w", name, err)
		}
	}
	return s, nil
}

// encodeSnapshot renders a snapshot as indented JSON with a trailing newline.
func encodeSnapshot(s *Snapshot) ([]byte, error) {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode state snapshot: %w", err)
	}
	return append(data, '\n'), nil
}

// writeSnapshotFile replaces path with data durably: it writes a temp file in the same directory,
// fsyncs it, keeps the current file (if any) as path+".backup" when backup is set, renames the temp
// file over path and fsyncs the directory. At every instant path holds a complete snapshot.
func writeSnapshotFile(path string, data []byte, backup bool) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write state snapshot: %w", err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmpName)
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write state snapshot %s: %w", tmpName, err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("fsync state snapshot %s: %w", tmpName, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close state snapshot %s: %w", tmpName, err)
	}
	if backup {
		if err := keepBackup(path); err != nil {
			return err
		}
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("replace state snapshot %s: %w", path, err)
	}
	return syncDir(dir)
}

// keepBackup makes path+".backup" a copy of path, atomically, if path exists. A hard link is used
// where the file system allows it (no data copied); otherwise the content is copied and fsynced.
func keepBackup(path string) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	tmp := path + ".backup.tmp"
	_ = os.Remove(tmp)
	if err := os.Link(path, tmp); err != nil {
		if err := copyFile(path, tmp); err != nil {
			return fmt.Errorf("back up state snapshot %s: %w", path, err)
		}
	}
	if err := os.Rename(tmp, path+".backup"); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("back up state snapshot %s: %w", path, err)
	}
	return nil
}

// copyFile copies src to a new file dst and fsyncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

// syncDir fsyncs a directory so that a rename or a file creation in it is durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	return nil
}
