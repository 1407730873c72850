// Package regfile reads files that ferry is handed by path (a saved plan, the state and its
// journal) only when they are regular files: a FIFO would block ferry before its signal handling
// can end it, and a device such as /dev/zero never ends.
package regfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// ErrTooLarge is wrapped by Read's error for a file over its limit.
var ErrTooLarge = errors.New("file too large")

// ErrNotRegular is wrapped by Read's error for a directory, FIFO, device or socket.
var ErrNotRegular = errors.New("only a regular file can be read")

// GrowWriter is what ReadTo reads into: a bytes.Buffer or a strings.Builder.
type GrowWriter interface {
	io.Writer
	Grow(n int)
	Len() int
}

// Read reads the regular file at path, at most limit bytes (limit <= 0: no limit). Anything but a
// regular file is refused before a byte is read (the error wraps ErrNotRegular), and a file over
// limit once limit+1 bytes were read (ErrTooLarge), so a file that grows while it is read is
// refused too. A missing file is an error satisfying errors.Is(err, os.ErrNotExist).
func Read(path string, limit int64) ([]byte, error) {
	var b bytes.Buffer
	if err := ReadTo(path, limit, &b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ReadString is Read into a string, read once into its final memory (reading bytes and converting
// would hold the file twice).
func ReadString(path string, limit int64) (string, error) {
	var b strings.Builder
	if err := ReadTo(path, limit, &b); err != nil {
		return "", err
	}
	return b.String(), nil
}

// ReadTo is Read into dst, grown once to the file's announced size.
func ReadTo(path string, limit int64, dst GrowWriter) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return notRegular(path, fi.Mode())
	}
	if limit > 0 && fi.Size() > limit {
		return fmt.Errorf("%s is %d bytes, over the limit of %s: %w", path, fi.Size(), sizeText(limit), ErrTooLarge)
	}
	// O_NONBLOCK: should the path have been swapped for a FIFO since the Stat, opening it does not
	// wait for a writer; the Stat of the open file then refuses it.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return notRegular(path, fi.Mode())
	}
	if n := fi.Size(); n > 0 && (limit <= 0 || n <= limit) {
		dst.Grow(int(n) + bytes.MinRead)
	}
	var r io.Reader = f
	if limit > 0 {
		r = io.LimitReader(f, limit+1)
	}
	if _, err := io.Copy(dst, r); err != nil {
		return err
	}
	if limit > 0 && int64(dst.Len()) > limit {
		return fmt.Errorf("%s is over the limit of %s: %w", path, sizeText(limit), ErrTooLarge)
	}
	return nil
}

func notRegular(path string, m os.FileMode) error {
	return fmt.Errorf("%s is %s, not a regular file: %w", path, Kind(m), ErrNotRegular)
}

// Kind names what a file that is not a regular file is: "a directory", "a named pipe", "a device",
// "a socket".
func Kind(m os.FileMode) string {
	kind := "not a regular file"
	switch {
	case m.IsDir():
		kind = "a directory"
	case m&os.ModeNamedPipe != 0:
		kind = "a named pipe"
	case m&os.ModeCharDevice != 0, m&os.ModeDevice != 0:
		kind = "a device"
	case m&os.ModeSocket != 0:
		kind = "a socket"
	}
	return kind
}

// sizeText is n bytes as "512 MiB" when a whole number of MiB, or "N bytes".
func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Inside reports whether path, every symbolic link resolved, lies inside dir (its own links
// resolved). A path that does not exist yet is judged by its nearest existing ancestor, so that
// where a file is about to be written can be checked too. What --restrict-files allows.
func Inside(dir, path string) (bool, error) {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return false, err
	}
	if root, err = filepath.Abs(root); err != nil {
		return false, err
	}
	existing, err := filepath.Abs(path)
	if err != nil {
		return false, err
	}
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
		return false, err
	}
	rel, err := filepath.Rel(root, real)
	if err != nil {
		return false, nil
	}
	return rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel), nil
}
