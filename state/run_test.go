package state

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRunRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ferry.state.json")
	want := &Run{Lineage: "l", ID: "r", Command: "apply", StartedAt: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC),
		FinishedAt: time.Date(2026, 12, 1, 9, 5, 0, 0, time.UTC), Entries: []RunEntry{{Addr: "cutover.a", Kind: "cutover",
			Provider: "mgn", Action: "create", Outcome: "blocked", Reasons: []string{"no test launch"}, SourceIDs: []string{"s-1"}}}}
	if err := WriteRun(p, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadRun(p)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if _, err := ReadRun(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Fatal("no error for a missing run record")
	}
}

func FuzzDecodeRun(f *testing.F) {
	f.Add([]byte(`{"version":1,"run_id":"x","entries":[{"addr":"a","reasons":["r"]}]}`))
	f.Add([]byte(`{"version":99}`))
	f.Add([]byte(`{"version":1,"entries":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeRun("fuzz", bytes.NewReader(data))
		if err == nil && (r.Version < 1 || r.Version > RunFormatVersion) {
			t.Fatalf("accepted version %d", r.Version)
		}
	})
}
