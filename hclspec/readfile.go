package hclspec

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

// errTooLarge is wrapped by readRegular's error for a file over its limit.
var errTooLarge = errors.New("file too large")

// readRegular reads the regular file at path, at most limit bytes. Anything else — a directory, a
// FIFO (which would block until a writer comes), a device (/dev/zero never ends), a socket — is
// refused before a byte is read, and a file over limit is refused once limit+1 bytes were read
// (a file that grows while it is read, or one whose size lies, such as /proc files, included).
func readRegular(path string, limit int64) ([]byte, error) {
	var b bytes.Buffer
	if err := readRegularTo(path, limit, &b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// readRegularString is readRegular into a string, read once into its final memory (file() hands
// the text to cty as a string: reading bytes and converting would hold the file twice).
func readRegularString(path string, limit int64) (string, error) {
	var b strings.Builder
	if err := readRegularTo(path, limit, &b); err != nil {
		return "", err
	}
	return b.String(), nil
}

// growWriter is a bytes.Buffer or a strings.Builder.
type growWriter interface {
	io.Writer
	Grow(n int)
	Len() int
}

func readRegularTo(path string, limit int64, dst growWriter) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file (%s); only regular files can be read", path, kindOf(fi.Mode()))
	}
	if fi.Size() > limit {
		return fmt.Errorf("%s is %d bytes, over the limit of %d bytes: %w", path, fi.Size(), limit, errTooLarge)
	}
	// O_NONBLOCK: should the path have been swapped for a FIFO since the Stat, opening it does not
	// wait for a writer; the Stat of the open file below then refuses it.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file (%s); only regular files can be read", path, kindOf(fi.Mode()))
	}
	if n := fi.Size(); n > 0 && n <= limit {
		dst.Grow(int(n) + bytes.MinRead) // one buffer of the announced size, not one per doubling
	}
	if _, err := io.Copy(dst, io.LimitReader(f, limit+1)); err != nil {
		return err
	}
	if int64(dst.Len()) > limit {
		return fmt.Errorf("%s is over the limit of %d bytes: %w", path, limit, errTooLarge)
	}
	return nil
}

// kindOf names a file mode that is not a regular file.
func kindOf(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeCharDevice != 0, m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "not a regular file"
}

// confined reports whether path, with every symbolic link resolved, lies inside dir (with its own
// links resolved): what --restrict-files allows file() to read.
func confined(dir, path string) (bool, error) {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return false, err
	}
	if root, err = filepath.Abs(root); err != nil {
		return false, err
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return false, err
	}
	if real, err = filepath.Abs(real); err != nil {
		return false, err
	}
	rel, err := filepath.Rel(root, real)
	if err != nil {
		return false, nil
	}
	return rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel), nil
}
