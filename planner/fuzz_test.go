package planner

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ferry-dev/ferry/model"
)

// FuzzReadFile: any bytes as a plan file give a plan or an error, never a panic.
func FuzzReadFile(f *testing.F) {
	f.Add([]byte(`{"format_version":1,"lineage":"l","serial":2,"changes":[{"address":"a","action":"migrate","steps":[{"name":"migrate","params":{"x":1}}]}]}`))
	f.Add([]byte(`{"format_version":9}`))
	f.Add([]byte(`[]`))
	// A plan as WriteFile writes it, checksum and all.
	valid := filepath.Join(f.TempDir(), "valid.json")
	if err := WriteFile(valid, &Plan{FormatVersion: FormatVersion, Lineage: "l", Serial: 2,
		Changes: []model.Change{{Addr: "a", Action: model.ActionCreate, Steps: []model.Step{{Name: "migrate", Params: []byte(`{"x":1}`)}}}}}); err != nil {
		f.Fatal(err)
	}
	data, err := os.ReadFile(valid)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "plan.json")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := ReadFile(path)
		if err != nil {
			return
		}
		_ = p.Summary()
		_ = p.CheckFresh("l", 2, "h")
	})
}
