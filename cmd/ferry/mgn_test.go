package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/providers/mgn"
	"github.com/ferry-dev/ferry/state"
)

// mgnExampleInSandbox copies examples/mgn-wave into dir, with launches of launch and requests that
// take latency, and serves its world in an in-process sandbox.
func mgnExampleInSandbox(t *testing.T, dir, launch, latency string) (string, []string) {
	t.Helper()
	example := filepath.Join("..", "..", "examples", "mgn-wave")
	copyFile(t, filepath.Join(example, "main.ferry.hcl"), filepath.Join(dir, "main.ferry.hcl"))
	raw, err := os.ReadFile(filepath.Join(example, "world.json"))
	if err != nil {
		t.Fatal(err)
	}
	var w map[string]any
	if err := json.Unmarshal(raw, &w); err != nil {
		t.Fatal(err)
	}
	w["behaviour"] = map[string]any{"durations": map[string]string{mgn.DurationLaunch: launch}, "latency": latency}
	raw, err = json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	wpath := filepath.Join(dir, "world.json")
	if err := os.WriteFile(wpath, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	_, hs, env := serveWorld(t, wpath)
	return hs.URL, env
}

type mgnSection struct {
	MGN mgn.SimWorld `json:"mgn"`
}

// cutoverJobs maps each server to its cutover jobs.
func cutoverJobs(w mgn.SimWorld) map[string][]mgn.SimJob {
	out := map[string][]mgn.SimJob{}
	for _, j := range w.Jobs {
		if j.InitiatedBy != "START_CUTOVER" {
			continue
		}
		for _, p := range j.ParticipatingServers {
			out[p.SourceServerID] = append(out[p.SourceServerID], j)
		}
	}
	return out
}

const (
	exDB    = "s-1000000000000db01"
	exApp01 = "s-100000000000app01"
	exApp02 = "s-100000000000app02"
	exApp03 = "s-100000000000app03"
)

// checkExampleDone checks the end of the example: the database and the two healthy application
// servers in CUTOVER (archived where asked) with exactly one cutover job each, the stalled one left
// alone.
func checkExampleDone(t *testing.T, w mgn.SimWorld) {
	t.Helper()
	want := map[string]struct {
		state    string
		archived bool
		jobs     int
	}{
		exDB:    {mgn.StateCutover, true, 1},
		exApp01: {mgn.StateCutover, true, 1},
		exApp02: {mgn.StateCutover, false, 1},
		exApp03: {mgn.StateReadyForCutover, false, 0},
	}
	jobs := cutoverJobs(w)
	for _, s := range w.SourceServers {
		wt, ok := want[s.SourceServerID]
		if !ok {
			t.Errorf("unexpected server %s", s.SourceServerID)
			continue
		}
		if s.LifeCycle.State != wt.state || s.IsArchived != wt.archived || len(jobs[s.SourceServerID]) != wt.jobs {
			t.Errorf("%s: %s archived=%v with %d cutover jobs; want %s archived=%v with %d", s.SourceServerID,
				s.LifeCycle.State, s.IsArchived, len(jobs[s.SourceServerID]), wt.state, wt.archived, wt.jobs)
		}
	}
	if s := w.SourceServers[3]; s.DataReplicationInfo == nil || s.DataReplicationInfo.DataReplicationState != "STALLED" || s.LifeCycle.LastCutover != nil {
		t.Errorf("the stalled server was touched: %+v", s)
	}
}

// TestMGNExampleApplies applies examples/mgn-wave: the database and the two healthy application
// servers end in CUTOVER (archived where asked), the database before the application servers; the
// stalled server is reported and left alone (exit 3: only blocked changes remain), and nothing else.
func TestMGNExampleApplies(t *testing.T) {
	dir := t.TempDir()
	url, env := mgnExampleInSandbox(t, dir, "300ms", "0s")
	out := runFerry(t, env, 3, "apply", "--auto-approve", "--chdir", dir)
	if !strings.Contains(out, `Blocked: cutover.app["app03"]: replication STALLED; lag PT2H exceeds max_lag PT5M`) ||
		!strings.Contains(out, "3 done, 0 failed, 0 skipped, 0 interrupted, 1 blocked") {
		t.Errorf("apply output:\n%s", out)
	}
	var w mgnSection
	getJSON(t, url+"/_sandbox/world", &w)
	checkExampleDone(t, w.MGN)

	// Dependency order: every application server's cutover job started after the database was
	// finalized and archived (its job ended before).
	jobs := cutoverJobs(w.MGN)
	dbEnd := jobs[exDB][0].EndDateTime
	var dbFinal string
	for _, s := range w.MGN.SourceServers {
		if s.SourceServerID == exDB {
			dbFinal = s.LifeCycle.LastCutover.Finalized.APICallDateTime
		}
	}
	for _, app := range []string{exApp01, exApp02} {
		if c := jobs[app][0].CreationDateTime; c < dbEnd || c < dbFinal {
			t.Errorf("%s's cutover job started at %s, before the database's job ended (%s) or was finalized (%s)", app, c, dbEnd, dbFinal)
		}
	}
	var stats map[string]int
	getJSON(t, url+"/_sandbox/stats", &stats)
	for op, want := range map[string]int{mgn.OpStartCutover: 3, mgn.OpChangeServerLifeCycleState: 1, mgn.OpFinalizeCutover: 3,
		mgn.OpMarkAsArchived: 2, mgn.OpStartTest: 0} {
		if stats[op] != want {
			t.Errorf("%s = %d, want %d (stats %v)", op, stats[op], want, stats)
		}
	}
	plan := runFerry(t, env, 0, "plan", "--detailed-exitcode", "--chdir", dir)
	if !strings.Contains(plan, "No changes that ferry can make: 1 blocked (see above), 3 unchanged.") {
		t.Errorf("final plan:\n%s", plan)
	}
}

// TestMGNKill9AtManyMoments kills `ferry apply` of the example with SIGKILL at 20 moments, applies
// again, and proves that every server was cut over by exactly one job (sandbox jobs and stats), the
// state records every cutover as done, and the next plan has nothing to do.
func TestMGNKill9AtManyMoments(t *testing.T) {
	moments := 20
	if testing.Short() {
		moments = 4
	}
	for k := 1; k <= moments; k++ {
		t.Run(fmt.Sprintf("after_%d_records", k), func(t *testing.T) {
			dir := t.TempDir()
			url, env := mgnExampleInSandbox(t, dir, "200ms", "10ms")
			applyKilledAt(t, env, &crashState{dir: dir}, k, 60*time.Second)
			runFerry(t, env, 3, "apply", "--auto-approve", "--chdir", dir)
			plan := runFerry(t, env, 0, "plan", "--detailed-exitcode", "--chdir", dir)
			if !strings.Contains(plan, "No changes that ferry can make") {
				t.Errorf("final plan:\n%s", plan)
			}
			var w mgnSection
			getJSON(t, url+"/_sandbox/world", &w)
			checkExampleDone(t, w.MGN)
			var stats map[string]int
			getJSON(t, url+"/_sandbox/stats", &stats)
			// A StartCutover sent again for a server would have been refused (it is CUTTING_OVER) or
			// started a second job: every request the sandbox received must have started exactly one
			// job. (A resume may start app01 and app02 together, in one job, once app01 was marked
			// ready before the kill: 2 requests then.)
			jobs := map[string]bool{}
			for _, js := range cutoverJobs(w.MGN) {
				for _, j := range js {
					jobs[j.JobID] = true
				}
			}
			if got := stats[mgn.OpStartCutover]; got != len(jobs) || got > 3 {
				t.Errorf("%d StartCutover requests started %d cutover jobs for 3 servers: something was sent twice (stats %v)", got, len(jobs), stats)
			}
			st, err := state.Open(filepath.Join(dir, "ferry.state.json"))
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range []string{"cutover.db01", `cutover.app["app01"]`, `cutover.app["app02"]`} {
				r, ok := st.Get(a)
				if !ok || r.Status != state.StatusDone || r.RemoteIDs["source_server_id"] == "" {
					t.Errorf("%s: %+v", a, r)
				}
			}
		})
	}
}
