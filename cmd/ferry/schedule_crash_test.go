package main

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/providers/sandbox"
	"github.com/ferry-dev/ferry/providers/table"
)

const schedSpec = `ferry {
  parallelism = 2
}

subscription "s" {
  for_each         = toset(["51111111-0000-4000-8000-000000000001", "51111111-0000-4000-8000-000000000002", "51111111-0000-4000-8000-000000000003"])
  customer_id      = "aaaaaaaa-0000-4000-8000-000000000001"
  microsoft_domain = "alpha.onmicrosoft.com"
  migrate_from     = each.key
  term_duration    = "P1Y"
  billing_cycle    = "monthly"

  schedule {
    on_renewal = true
  }
}
`

// schedWorld: three legacy subscriptions; a schedule turns into its migration %s after it is
// created; every request takes 15 ms, so kills land while requests are in flight.
const schedWorld = `{
  "partnercenter": {
    "customers": [{
      "id": "aaaaaaaa-0000-4000-8000-000000000001",
      "domain": "alpha.onmicrosoft.com",
      "subscriptions": [
        {"id": "51111111-0000-4000-8000-000000000001", "offerId": "796b6b5f-613c-4e24-a17c-eba730d49c02", "offerName": "Office 365 E3", "quantity": 10, "status": "active", "billingCycle": "monthly", "termDuration": "P1Y", "commitmentEndDate": "2027-03-31T00:00:00Z"},
        {"id": "51111111-0000-4000-8000-000000000002", "offerId": "796b6b5f-613c-4e24-a17c-eba730d49c02", "offerName": "Office 365 E3", "quantity": 20, "status": "active", "billingCycle": "monthly", "termDuration": "P1Y", "commitmentEndDate": "2027-03-31T00:00:00Z"},
        {"id": "51111111-0000-4000-8000-000000000003", "offerId": "796b6b5f-613c-4e24-a17c-eba730d49c02", "offerName": "Office 365 E3", "quantity": 30, "status": "active", "billingCycle": "monthly", "termDuration": "P1Y", "commitmentEndDate": "2027-03-31T00:00:00Z"}
      ]
    }],
    "catalog": {"796b6b5f-613c-4e24-a17c-eba730d49c02": "CFQ7TTC0LF8Q:0001:CFQ7TTC0KQDF"}
  },
  "behaviour": {"durations": {"partnercenter.schedule": "%s", "partnercenter.migration": "300ms"}, "latency": "15ms"}
}`

// TestScheduleSurvivesKill9 applies a spec of scheduled migrations (schedule { on_renewal = true })
// and kills the apply with SIGKILL at several moments around the schedule step; a re-apply finishes
// it with each schedule created exactly once; a plan while they are pending has no changes; after
// the schedules' time the plan follows each to its migration, apply records them without creating a
// migration, and the next plan has no changes.
func TestScheduleSurvivesKill9(t *testing.T) {
	eachBackend(t, testScheduleSurvivesKill9)
}

func testScheduleSurvivesKill9(t *testing.T, setup func(string, []string) (*crashState, []string)) {
	const scheduleAfter = 4 * time.Second
	for _, records := range []int{1, 2, 3, 4, 6} {
		t.Run(fmt.Sprintf("after_%d_records", records), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "main.ferry.hcl"), []byte(schedSpec), 0o644); err != nil {
				t.Fatal(err)
			}
			wpath := filepath.Join(dir, "world.json")
			if err := os.WriteFile(wpath, []byte(fmt.Sprintf(schedWorld, scheduleAfter)), 0o644); err != nil {
				t.Fatal(err)
			}
			w, err := sandbox.LoadWorld(wpath, table.Default())
			if err != nil {
				t.Fatal(err)
			}
			srv, err := sandbox.New(w, table.Default())
			if err != nil {
				t.Fatal(err)
			}
			hs := httptest.NewServer(srv.Handler())
			defer hs.Close()
			cs, env := setup(dir, append(os.Environ(), "FERRY_SANDBOX="+hs.URL, "NO_COLOR=1"))

			applyKilledAt(t, env, cs, records, 30*time.Second)
			created := time.Now()
			t.Logf("killed after %d journal records", cs.records())

			runFerry(t, env, 0, "apply", "--auto-approve", "--chdir", dir)
			var stats map[string]int
			getJSON(t, hs.URL+"/_sandbox/stats", &stats)
			if got := stats["partnercenter.CreateMigrationSchedule"]; got != 3 {
				t.Errorf("%d schedule creates for 3 subscriptions (stats %v)", got, stats)
			}
			st := cs.open(t)
			for _, a := range st.Addrs() {
				if r, _ := st.Get(a); r.Status != "scheduled" || r.RemoteIDs["schedule_id"] == "" {
					t.Errorf("%s: status %q, remote IDs %v", a, r.Status, r.RemoteIDs)
				}
			}
			// Pending: no change.
			if out := runFerry(t, env, 0, "plan", "--detailed-exitcode", "--chdir", dir); !strings.Contains(out, "No changes") {
				t.Errorf("plan while the schedules are pending:\n%s", out)
			}
			if time.Since(created) > scheduleAfter {
				t.Fatalf("too slow: the schedules' time passed before the pending plan was checked")
			}

			// After the schedules' time: the plan follows each to its migration.
			time.Sleep(time.Until(created.Add(scheduleAfter + 500*time.Millisecond)))
			out2 := runFerry(t, env, 2, "plan", "--detailed-exitcode", "--chdir", dir)
			if !strings.Contains(out2, "Plan: 0 to migrate, 3 to resume") {
				t.Errorf("plan after the schedules' time:\n%s", out2)
			}
			runFerry(t, env, 0, "apply", "--auto-approve", "--chdir", dir)
			if out := runFerry(t, env, 0, "plan", "--detailed-exitcode", "--chdir", dir); !strings.Contains(out, "No changes") {
				t.Errorf("final plan:\n%s", out)
			}
			getJSON(t, hs.URL+"/_sandbox/stats", &stats)
			if stats["partnercenter.CreateMigrationSchedule"] != 3 || stats["partnercenter.CreateMigration"] != 0 {
				t.Errorf("stats %v: want 3 schedule creates and no migration create", stats)
			}
			st = cs.open(t)
			for _, a := range st.Addrs() {
				if r, _ := st.Get(a); r.Status != "migrated" || r.RemoteIDs["new_subscription_id"] == "" {
					t.Errorf("%s: status %q, remote IDs %v", a, r.Status, r.RemoteIDs)
				}
			}
		})
	}
}
