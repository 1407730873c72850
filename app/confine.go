package app

import (
	"fmt"
	"os"

	"github.com/ferry-dev/ferry/internal/regfile"
)

// confinedWrite checks, for --restrict-files, that a path ferry is about to write (the spec's reports
// directory, the log directory and its file) stays inside the spec directory dir: its nearest existing
// ancestor, every symbolic link resolved, lies inside dir (its own links resolved), and path itself is
// not a symbolic link. A spec from an untrusted pull request must not make ferry write elsewhere, by an
// absolute or ../ path in ferry { reports } or by a committed link (logs -> /home/ci).
func confinedWrite(dir, path string) error {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("%s is a symbolic link, which --restrict-files does not follow when writing", path)
	}
	inside, err := regfile.Inside(dir, path)
	if err != nil {
		return err
	}
	if !inside {
		return fmt.Errorf("%s is outside the spec directory, where --restrict-files keeps what ferry writes", path)
	}
	return nil
}
