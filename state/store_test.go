package state

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOps(t *testing.T) {
	const a, b = `subscription.m365["a"]`, `cutover.web01`
	ts := testTime
	intentA := func(s *Store) error { return s.Intent(a, "subscription", "partnercenter", "migrate", 1, "key-1") }
	doneA := &Resource{Addr: a, Kind: "subscription", Provider: "partnercenter", Status: StatusDone,
		RemoteIDs: map[string]string{"customer_id": "c"}}
	tests := []struct {
		name    string
		ops     []func(*Store) error
		wantErr error // of the last op; errAny for any error
		want    map[string]*Resource
	}{{
		name: "intent creates an in-progress resource",
		ops:  []func(*Store) error{intentA},
		want: map[string]*Resource{a: {Addr: a, Kind: "subscription", Provider: "partnercenter", Status: StatusInProgress,
			Steps: map[string]*StepRecord{"migrate": {Key: "key-1", Attempt: 1, Status: StepIntent, StartedAt: ts}}}},
	}, {
		name: "intent on a done resource starts a new step",
		ops: []func(*Store) error{
			func(s *Store) error { return s.Put(doneA) },
			func(s *Store) error { return s.Intent(a, "", "", "migrate", 2, "key-2") },
		},
		want: map[string]*Resource{a: {Addr: a, Kind: "subscription", Provider: "partnercenter", Status: StatusInProgress,
			RemoteIDs: map[string]string{"customer_id": "c"},
			Steps:     map[string]*StepRecord{"migrate": {Key: "key-2", Attempt: 2, Status: StepIntent, StartedAt: ts}}}},
	}, {
		name: "progress merges IDs into step and resource",
		ops: []func(*Store) error{intentA,
			func(s *Store) error { return s.Progress(a, "migrate", map[string]string{"migration_id": "m1"}) },
			func(s *Store) error { return s.Progress(a, "migrate", map[string]string{"order_id": "o1"}) },
		},
		want: map[string]*Resource{a: {Addr: a, Kind: "subscription", Provider: "partnercenter", Status: StatusInProgress,
			RemoteIDs: map[string]string{"migration_id": "m1", "order_id": "o1"},
			Steps: map[string]*StepRecord{"migrate": {Key: "key-1", Attempt: 1, Status: StepIntent, StartedAt: ts,
				RemoteIDs: map[string]string{"migration_id": "m1", "order_id": "o1"}}}}},
	}, {
		name: "intent with IDs records them in its step only, and a new intent replaces them",
		ops: []func(*Store) error{
			func(s *Store) error {
				return s.IntentWithIDs(a, "subscription", "partnercenter", "migrate", 1, "key-1", map[string]string{"batch_id": "b1"})
			},
			func(s *Store) error { return s.Intent(a, "", "", "migrate", 2, "key-2") },
			func(s *Store) error {
				return s.IntentWithIDs(a, "", "", "migrate", 3, "key-3", map[string]string{"batch_id": "b3"})
			},
		},
		want: map[string]*Resource{a: {Addr: a, Kind: "subscription", Provider: "partnercenter", Status: StatusInProgress,
			Steps: map[string]*StepRecord{"migrate": {Key: "key-3", Attempt: 3, Status: StepIntent, StartedAt: ts,
				RemoteIDs: map[string]string{"batch_id": "b3"}}}}},
	}, {
		name: "progress on an absent resource creates it, step running",
		ops: []func(*Store) error{
			func(s *Store) error { return s.Progress(b, "await", map[string]string{"job_id": "mgnjob-1"}) },
		},
		want: map[string]*Resource{b: {Addr: b, Status: StatusInProgress, RemoteIDs: map[string]string{"job_id": "mgnjob-1"},
			Steps: map[string]*StepRecord{"await": {Status: StepRunning, StartedAt: ts, RemoteIDs: map[string]string{"job_id": "mgnjob-1"}}}}},
	}, {
		name: "outcome done merges IDs and attributes and sets status",
		ops: []func(*Store) error{intentA,
			func(s *Store) error {
				return s.Outcome(a, "migrate", StepOutcome{RemoteIDs: map[string]string{"migration_id": "m1"},
					Attributes: map[string]string{"quantity": "25"}, Status: StatusDone, Key: "ignored", Attempt: 9})
			},
		},
		want: map[string]*Resource{a: {Addr: a, Kind: "subscription", Provider: "partnercenter", Status: StatusDone,
			RemoteIDs: map[string]string{"migration_id": "m1"}, Attributes: map[string]string{"quantity": "25"},
			Steps: map[string]*StepRecord{"migrate": {Key: "key-1", Attempt: 1, Status: StepDone, StartedAt: ts, FinishedAt: ts,
				RemoteIDs: map[string]string{"migration_id": "m1"}}}}},
	}, {
		name: "outcome failed records the error",
		ops: []func(*Store) error{intentA,
			func(s *Store) error {
				return s.Outcome(a, "migrate", StepOutcome{Failed: true, Error: "ineligible", Status: StatusFailed})
			},
		},
		want: map[string]*Resource{a: {Addr: a, Kind: "subscription", Provider: "partnercenter", Status: StatusFailed,
			Steps: map[string]*StepRecord{"migrate": {Key: "key-1", Attempt: 1, Status: StepFailed, Error: "ineligible",
				StartedAt: ts, FinishedAt: ts}}}},
	}, {
		name: "outcome with no intent creates resource and step",
		ops: []func(*Store) error{
			func(s *Store) error {
				return s.Outcome(b, "check", StepOutcome{Kind: "cutover", Provider: "mgn", Attempt: 1, Key: "k",
					Attributes: map[string]string{"lifecycle": "READY_FOR_CUTOVER"}})
			},
		},
		want: map[string]*Resource{b: {Addr: b, Kind: "cutover", Provider: "mgn", Status: StatusInProgress,
			Attributes: map[string]string{"lifecycle": "READY_FOR_CUTOVER"},
			Steps:      map[string]*StepRecord{"check": {Key: "k", Attempt: 1, Status: StepDone, StartedAt: ts, FinishedAt: ts}}}},
	}, {
		name: "outcome without status keeps the resource status",
		ops: []func(*Store) error{
			func(s *Store) error { return s.Put(doneA) },
			func(s *Store) error { return s.Outcome(a, "refresh", StepOutcome{}) },
		},
		want: map[string]*Resource{a: {Addr: a, Kind: "subscription", Provider: "partnercenter", Status: StatusDone,
			RemoteIDs: map[string]string{"customer_id": "c"},
			Steps:     map[string]*StepRecord{"refresh": {Status: StepDone, StartedAt: ts, FinishedAt: ts}}}},
	}, {
		name: "put replaces",
		ops: []func(*Store) error{intentA,
			func(s *Store) error { return s.Put(doneA) },
		},
		want: map[string]*Resource{a: doneA},
	}, {
		name:    "put without address",
		ops:     []func(*Store) error{func(s *Store) error { return s.Put(&Resource{Kind: "x"}) }},
		wantErr: errAny,
		want:    map[string]*Resource{},
	}, {
		name: "put with a nil step record",
		ops: []func(*Store) error{func(s *Store) error {
			return s.Put(&Resource{Addr: a, Steps: map[string]*StepRecord{"x": nil}})
		}},
		wantErr: errAny,
		want:    map[string]*Resource{},
	}, {
		name:    "put nil",
		ops:     []func(*Store) error{func(s *Store) error { return s.Put(nil) }},
		wantErr: errAny,
		want:    map[string]*Resource{},
	}, {
		name: "intent without step",
		ops: []func(*Store) error{func(s *Store) error {
			return s.Intent(a, "subscription", "partnercenter", "", 1, "k")
		}},
		wantErr: errAny,
		want:    map[string]*Resource{},
	}, {
		name: "remove",
		ops: []func(*Store) error{intentA,
			func(s *Store) error { return s.Remove(a) },
		},
		want: map[string]*Resource{},
	}, {
		name: "remove absent",
		ops: []func(*Store) error{intentA,
			func(s *Store) error { return s.Remove(b) },
		},
		wantErr: ErrNotFound,
		want: map[string]*Resource{a: {Addr: a, Kind: "subscription", Provider: "partnercenter", Status: StatusInProgress,
			Steps: map[string]*StepRecord{"migrate": {Key: "key-1", Attempt: 1, Status: StepIntent, StartedAt: ts}}}},
	}, {
		name: "move",
		ops: []func(*Store) error{
			func(s *Store) error { return s.Put(doneA) },
			func(s *Store) error { return s.Move(a, b) },
		},
		want: map[string]*Resource{b: {Addr: b, Kind: "subscription", Provider: "partnercenter", Status: StatusDone,
			RemoteIDs: map[string]string{"customer_id": "c"}}},
	}, {
		name:    "move absent",
		ops:     []func(*Store) error{func(s *Store) error { return s.Move(a, b) }},
		wantErr: ErrNotFound,
		want:    map[string]*Resource{},
	}, {
		name: "move onto present",
		ops: []func(*Store) error{
			func(s *Store) error { return s.Put(doneA) },
			func(s *Store) error { return s.Intent(b, "cutover", "mgn", "cutover", 1, "k") },
			func(s *Store) error { return s.Move(a, b) },
		},
		wantErr: ErrExists,
		want: map[string]*Resource{a: doneA, b: {Addr: b, Kind: "cutover", Provider: "mgn", Status: StatusInProgress,
			Steps: map[string]*StepRecord{"cutover": {Key: "k", Attempt: 1, Status: StepIntent, StartedAt: ts}}}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := statePath(t)
			s := openT(t, path)
			var err error
			okOps := 0
			for i, op := range tt.ops {
				err = op(s)
				if i < len(tt.ops)-1 && err != nil {
					t.Fatalf("op %d: %v", i, err)
				}
				if err == nil {
					okOps++
				}
			}
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("last op: %v", err)
			case tt.wantErr != nil && err == nil:
				t.Fatalf("last op succeeded, want error %v", tt.wantErr)
			case tt.wantErr != nil && tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
				t.Fatalf("last op error %v, want %v", err, tt.wantErr)
			}
			got := s.Snapshot()
			if diff := cmp.Diff(tt.want, got.Resources); diff != "" {
				t.Fatalf("resources (-want +got):\n%s", diff)
			}
			if got.Serial != uint64(okOps) {
				t.Errorf("serial %d, want %d", got.Serial, okOps)
			}
			if s.Len() != len(tt.want) {
				t.Errorf("Len %d, want %d", s.Len(), len(tt.want))
			}
			// Replay: the journal alone reproduces the state.
			if okOps == 0 {
				if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("a refused op wrote the snapshot: %v", err)
				}
			} else {
				sameState(t, got, openT(t, path).Snapshot())
			}
			// Compaction: the snapshot alone reproduces it, one serial later.
			if err := s.Compact(); err != nil {
				t.Fatalf("Compact: %v", err)
			}
			got.Serial++
			sameState(t, got, openT(t, path).Snapshot())
		})
	}
}

// errAny in a test table accepts any error.
var errAny = errors.New("any error")

func TestGetReturnsCopy(t *testing.T) {
	s := openT(t, statePath(t))
	if err := s.Intent("cutover.a", "cutover", "mgn", "cutover", 1, "k"); err != nil {
		t.Fatal(err)
	}
	r, ok := s.Get("cutover.a")
	if !ok {
		t.Fatal("Get: absent")
	}
	r.Status = "mutated"
	r.Steps["cutover"].Status = "mutated"
	r2, _ := s.Get("cutover.a")
	if r2.Status != StatusInProgress || r2.Steps["cutover"].Status != StepIntent {
		t.Fatalf("Get returned shared memory: %+v", r2)
	}
	if _, ok := s.Get("cutover.none"); ok {
		t.Fatal("Get of absent address reported present")
	}
	// Put keeps its own copy too.
	in := &Resource{Addr: "cutover.b", Status: StatusDone}
	if err := s.Put(in); err != nil {
		t.Fatal(err)
	}
	in.Status = "mutated"
	if r, _ := s.Get("cutover.b"); r.Status != StatusDone {
		t.Fatalf("Put kept the caller's pointer")
	}
	if got, want := s.Addrs(), []string{"cutover.a", "cutover.b"}; !cmp.Equal(got, want) {
		t.Fatalf("Addrs %v, want %v", got, want)
	}
}

func TestNewStateWritesNothingUntilFirstRecord(t *testing.T) {
	path := statePath(t)
	s := openT(t, path)
	if !s.IsNew() || s.Serial() != 0 || s.Len() != 0 || s.Lineage() == "" {
		t.Fatalf("new state: IsNew %v serial %d len %d lineage %q", s.IsNew(), s.Serial(), s.Len(), s.Lineage())
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open created the snapshot: %v", err)
	}
	if other := openT(t, path); other.Lineage() == s.Lineage() {
		t.Fatalf("two new states share lineage %s", s.Lineage())
	}
	if err := s.Intent("cutover.a", "cutover", "mgn", "cutover", 1, "k"); err != nil {
		t.Fatal(err)
	}
	if s.IsNew() {
		t.Fatal("IsNew after a record")
	}
	if re := openT(t, path); re.Lineage() != s.Lineage() {
		t.Fatalf("lineage after reopen %q, want %q", re.Lineage(), s.Lineage())
	}
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name, snapshot, want string
	}{
		{"future version", `{"version":2,"lineage":"l","serial":1,"resources":{}}`, "upgrade ferry"},
		{"no version", `{"lineage":"l","serial":1,"resources":{}}`, "not a ferry state"},
		{"no lineage", `{"version":1,"serial":1,"resources":{}}`, "no lineage"},
		{"not json", `{"version":1,`, "not valid JSON"},
		{"null resource", `{"version":1,"lineage":"l","serial":1,"resources":{"a":null}}`, "no content"},
		{"address mismatch", `{"version":1,"lineage":"l","serial":1,"resources":{"a":{"addr":"b"}}}`, `filed under "a"`},
		{"null step", `{"version":1,"lineage":"l","serial":1,"resources":{"a":{"steps":{"s":null}}}}`, "no record"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := statePath(t)
			if err := os.WriteFile(path, []byte(tt.snapshot), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Open(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("Open error %v, want one naming %s and saying %q", err, path, tt.want)
			}
		})
	}
}

func TestOpenFillsMissingAddr(t *testing.T) {
	path := statePath(t)
	if err := os.WriteFile(path, []byte(`{"version":1,"lineage":"l","serial":3,"resources":{"cutover.a":{"status":"done"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := openT(t, path)
	if r, ok := s.Get("cutover.a"); !ok || r.Addr != "cutover.a" || s.Serial() != 3 || s.Lineage() != "l" {
		t.Fatalf("got %+v serial %d lineage %s", r, s.Serial(), s.Lineage())
	}
}
