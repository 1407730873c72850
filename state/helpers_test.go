package state

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// testTime is the fixed clock of test stores.
var testTime = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// openT opens path with a fixed clock, failing the test on error.
func openT(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	s.now = func() time.Time { return testTime }
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// statePath returns a fresh state path in a temp dir.
func statePath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "ferry.state.json")
}

// sameState fails the test unless a and b hold the same lineage, serial and resources.
func sameState(t testing.TB, a, b Snapshot) {
	t.Helper()
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("states differ (-a +b):\n%s", diff)
	}
}

// writeSnapshotN writes a snapshot of n done resources at path and returns their addresses.
func writeSnapshotN(t testing.TB, path string, n int) []string {
	t.Helper()
	snap := Snapshot{Version: FormatVersion, Lineage: "11111111-2222-3333-4444-555555555555", Serial: 7,
		Resources: make(map[string]*Resource, n)}
	addrs := make([]string, n)
	for i := range n {
		a := fmt.Sprintf("subscription.m365[\"%08d-0000-0000-0000-000000000000\"]", i)
		addrs[i] = a
		snap.Resources[a] = &Resource{
			Addr: a, Kind: "subscription", Provider: "partnercenter", Status: StatusDone,
			RemoteIDs:  map[string]string{"customer_id": "c-1", "migration_id": fmt.Sprint("m-", i)},
			Attributes: map[string]string{"quantity": "25", "term_duration": "P1Y"},
			Steps: map[string]*StepRecord{"migrate": {Key: fmt.Sprint("k-", i), Attempt: 1, Status: StepDone,
				StartedAt: testTime, FinishedAt: testTime}},
		}
	}
	data, err := encodeSnapshot(&snap)
	if err != nil {
		t.Fatal(err)
	}
	// Durably, so that its write-back does not slow the fsyncs of a benchmark that follows.
	if err := writeSnapshotFile(path, data, false); err != nil {
		t.Fatal(err)
	}
	return addrs
}
