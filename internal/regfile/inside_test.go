package regfile

import (
	"os"
	"path/filepath"
	"testing"
)

// TestInside: a path inside the directory (existing or not yet), a ../ path, an absolute path
// elsewhere, and a path through a link that points out.
func TestInside(t *testing.T) {
	root, out := t.TempDir(), t.TempDir()
	if err := os.Symlink(out, filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]bool{
		filepath.Join(root, "reports", "plan_1", "x.csv"): true, // not written yet
		root:                                     true,
		filepath.Join(root, "..", "x"):           false,
		out:                                      false,
		filepath.Join(root, "link", "ferry.log"): false,
	} {
		got, err := Inside(root, path)
		if err != nil || got != want {
			t.Errorf("Inside(%s) = %v, %v; want %v", path, got, err, want)
		}
	}
}
