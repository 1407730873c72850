package examplegen

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestExampleIsGenerated proves examples/m365-nce is exactly what the generator writes with the
// options its README names, so the example cannot drift from the generator (or be hand-edited).
func TestExampleIsGenerated(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, Options{Subs: 20, Customers: 5, Addons: true, Migration: "3s"}); err != nil {
		t.Fatal(err)
	}
	example := filepath.Join("..", "..", "..", "examples", "m365-nce")
	names, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatal("the generator wrote nothing")
	}
	for _, e := range names {
		want, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(example, e.Name()))
		if err != nil {
			t.Fatalf("%s: %v (regenerate with: go run ./providers/partnercenter/examplegen/gen -addons -migration 3s -out examples/m365-nce)", e.Name(), err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("examples/m365-nce/%s differs from the generator's output (-generated +example):\n%s\nregenerate with: go run ./providers/partnercenter/examplegen/gen -addons -migration 3s -out examples/m365-nce", e.Name(), diff)
		}
	}
}
