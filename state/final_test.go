package state

import "testing"

// TestOutcomeCarriesTheFinalEntry: an outcome with a final entry sets the step, the status and the
// entry's IDs in one record, the same in memory and after replay; a failed outcome ignores it.
func TestOutcomeCarriesTheFinalEntry(t *testing.T) {
	path := statePath(t)
	s := openT(t, path)
	final := &Resource{Kind: "subscription", Provider: "partnercenter", Status: "migrated",
		RemoteIDs: map[string]string{"customer_id": "c-1", "legacy_subscription_id": "l-1"}}
	if err := s.Intent("a", "subscription", "partnercenter", "migrate", 1, "k1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Outcome("a", "migrate", StepOutcome{RemoteIDs: map[string]string{"migration_id": "m-1"}, Status: "migrating"}); err != nil {
		t.Fatal(err)
	}
	before := s.Serial()
	if err := s.Outcome("a", "await_migration", StepOutcome{Status: "migrated", Final: final,
		RemoteIDs: map[string]string{"new_subscription_id": "n-1"}, Attributes: map[string]string{"quantity": "3"}}); err != nil {
		t.Fatal(err)
	}
	if s.Serial() != before+1 {
		t.Errorf("the outcome with its final entry took %d records, want 1", s.Serial()-before)
	}
	if err := s.Outcome("b", "await_migration", StepOutcome{Failed: true, Error: "no", Status: StatusFailed, Final: final}); err != nil {
		t.Fatal(err)
	}
	mem := s.Snapshot()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	replayed := openT(t, path).Snapshot()
	sameState(t, mem, replayed)
	a := replayed.Resources["a"]
	if a.Status != "migrated" || a.RemoteIDs["customer_id"] != "c-1" || a.RemoteIDs["legacy_subscription_id"] != "l-1" ||
		a.RemoteIDs["migration_id"] != "m-1" || a.RemoteIDs["new_subscription_id"] != "n-1" || a.Attributes["quantity"] != "3" {
		t.Errorf("entry a: %+v", a)
	}
	if st := a.Steps["await_migration"]; st == nil || st.Status != StepDone || st.RemoteIDs["customer_id"] != "" {
		t.Errorf("step record of a: %+v", st)
	}
	if b := replayed.Resources["b"]; b.Status != StatusFailed || b.RemoteIDs["customer_id"] != "" {
		t.Errorf("a failed outcome applied its final entry: %+v", b)
	}
}
