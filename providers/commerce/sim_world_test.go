package commerce

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/providers/simkit"
	"github.com/rogpeppe/go-internal/txtar"
)

// worldSections returns the "commerce" sections of every world file of examples/ and of the CLI's
// scripts, by where they come from.
func worldSections(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	out := map[string]json.RawMessage{}
	add := func(name string, data []byte) {
		var w struct {
			Commerce json.RawMessage `json:"commerce"`
		}
		if json.Unmarshal(data, &w) == nil && len(w.Commerce) > 0 && string(w.Commerce) != "null" {
			out[name] = w.Commerce
		}
	}
	examples, _ := filepath.Glob("../../examples/*/world.json")
	for _, f := range examples {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		add(f, b)
	}
	scripts, _ := filepath.Glob("../../cmd/ferry/testdata/script/*.txtar")
	for _, f := range scripts {
		a, err := txtar.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range a.Files {
			if strings.HasSuffix(file.Name, ".json") {
				add(f+":"+file.Name, file.Data)
			}
		}
	}
	return out
}

// TestExistingWorldsLoad loads the commerce section of every world file the project ships with the
// simulator's own types: each loads, and the simulator's snapshot keeps every value the file gave.
func TestExistingWorldsLoad(t *testing.T) {
	sections := worldSections(t)
	t.Logf("%d world files with a commerce section", len(sections))
	if len(sections) < 5 {
		t.Fatalf("%d world files with a commerce section found, want the examples' and the scripts'", len(sections))
	}
	for name, section := range sections {
		sim, err := NewSandboxSimulator(section, simkit.NewEnv(simkit.Behaviour{}))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		snap, err := json.Marshal(sim.Snapshot())
		if err != nil {
			t.Fatal(err)
		}
		var in, out any
		if err := json.Unmarshal(section, &in); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(snap, &out); err != nil {
			t.Fatal(err)
		}
		if path := missingIn(in, out, ""); path != "" {
			t.Errorf("%s: the snapshot lost %s:\n%s", name, path, snap)
		}
	}
}

// missingIn returns the first path of want's non-empty values that got does not hold equally ("" for
// none).
func missingIn(want, got any, path string) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return path
		}
		for k, v := range w {
			if p := missingIn(v, g[k], path+"."+k); p != "" {
				return p
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok && len(w) > 0 || len(g) != len(w) && len(w) > 0 {
			return path
		}
		for i, v := range w {
			if p := missingIn(v, g[i], fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
	case nil, string, bool, float64:
		if w == nil || w == "" || w == false || w == 0.0 {
			return "" // an empty value may be left out
		}
		if !reflect.DeepEqual(w, got) {
			return path
		}
	}
	return ""
}
