package sandbox

import (
	"os"
	"testing"

	"github.com/ferry-dev/ferry/providers/table"
)

// FuzzDecodeWorld: any bytes as a world file give a world or an error, never a panic, and a world
// that decodes can be served.
func FuzzDecodeWorld(f *testing.F) {
	if b, err := os.ReadFile("testdata/world.json"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"partnercenter": {"customers": [{"id": "c", "subscriptions": [{"id": "s", "status": "active"}]}]}, "behaviour": {"time_factor": 60}}`))
	f.Add([]byte(`{"behaviour": {"faults": [{"operation": "partnercenter.CreateMigration", "status": 500, "count": 1}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := DecodeWorld("world.json", data, table.Default())
		if err != nil {
			return
		}
		if _, err := New(w, table.Default()); err != nil {
			t.Fatalf("a world that decodes must build, but New failed: %v", err)
		}
	})
}
