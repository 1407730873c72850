package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// confinedWrite checks, for --restrict-files, that a path ferry is about to write (the spec's reports
// directory, the log directory and its file) stays inside the spec directory dir: its nearest existing
// ancestor, every symbolic link resolved, lies inside dir (its own links resolved), and path itself is
// not a symbolic link. A spec from an untrusted pull request must not make ferry write elsewhere, by an
// absolute or ../ path in ferry { reports } or by a committed link (logs -> /home/ci).
func confinedWrite(dir, path string) error {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	if root, err = filepath.Abs(root); err != nil {
		return err
	}
	p, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if fi, err := os.Lstat(p); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("%s is a symbolic link, which --restrict-files does not follow when writing", path)
	}
	existing := p
	for {
		if _, err := os.Lstat(existing); err == nil {
			break
		}
		parent := filepath.Dir(existing)
		if parent == existing {
			break
		}
		existing = parent
	}
	real, err := filepath.EvalSymlinks(existing)
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(root, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return fmt.Errorf("%s is outside the spec directory, where --restrict-files keeps what ferry writes", path)
	}
	return nil
}
