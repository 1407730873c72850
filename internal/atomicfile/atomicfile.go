// Package atomicfile replaces files so that a crash at any instant leaves either the old content or
// the new, never a mix or an empty file: a temporary file in the same directory, written, fsynced,
// renamed over the target, and the directory fsynced so that the rename itself is durable.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write replaces path with data, with permissions perm (or, when path exists, its current ones).
func Write(path string, data []byte, perm os.FileMode) (err error) {
	if info, err := os.Stat(path); err == nil {
		perm = info.Mode().Perm()
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(perm); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir fsyncs a directory, making a rename in it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
