package main

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/state"
)

// Source servers of the MGN stand-in: s- and 17 of [0-9a-zA-Z].
const (
	mgWeb01 = "s-0a1b2c3d4e5f60001"
	mgWeb02 = "s-0a1b2c3d4e5f60002"
	mgApp01 = "s-0a1b2c3d4e5f60003"
	mgDB01  = "s-0a1b2c3d4e5f60004"
	mgOld01 = "s-0a1b2c3d4e5f60005"
)

func mgLag(s string) *string { return &s }

// mgnStandinWorld builds the stand-in's servers: web01 and web02 ready (lags "P0Y0M0DT0H0M12.5S"
// and "PT0S", test instances TERMINATED since), app01 still TESTING (lag "PT1M", test LAUNCHED),
// db01 ready but lagging "PT2H", old01 cut over and archived long ago.
func mgnStandinWorld() *mgnStandin {
	st := newMgnStandin()
	st.addServer(mgWeb01, "web01", "READY_FOR_CUTOVER", mgLag("P0Y0M0DT0H0M12.5S"), "TERMINATED")
	st.addServer(mgWeb02, "web02", "READY_FOR_CUTOVER", mgLag("PT0S"), "TERMINATED")
	st.addServer(mgApp01, "app01", "TESTING", mgLag("PT1M"), "LAUNCHED")
	st.addServer(mgDB01, "db01", "READY_FOR_CUTOVER", mgLag("PT2H"), "TERMINATED")
	st.addServer(mgOld01, "old01", "CUTOVER", nil, "TERMINATED")
	old := st.server(mgOld01)
	old.IsArchived, old.DataReplicationInfo.DataReplicationState = true, "DISCONNECTED"
	old.LifeCycle.LastCutover = &mgLaunch{Initiated: &mgInitiated{APICallDateTime: "2026-10-01T10:00:00Z", JobID: "mgnjob-00000000000000999"},
		Finalized: &mgCall{APICallDateTime: "2026-10-01T11:00:00Z"}}
	return st
}

// mgnStandinSpec writes the spec against the stand-in at url and returns ferry's environment:
// credentials from the AWS environment chain only, no FERRY_SANDBOX.
func mgnStandinSpec(t *testing.T, dir, url string) []string {
	t.Helper()
	spec := fmt.Sprintf(`provider "mgn" {
  region        = "eu-west-1"
  endpoint      = %q
  poll_interval = "200ms"
  # The stand-in answers at once; a kill between an intent and its send costs one settle time.
  reconcile_settle = "2s"
}

cutover "web01" {
  source_server_id = %q
  max_lag          = "PT5M"
  finalize         = true
  archive          = true
}

cutover "web02" {
  source_server_id = %q
  max_lag          = "PT5M"
  finalize         = true
}

cutover "app01" {
  source_server_id = %q
  finalize         = false
  depends_on       = [cutover.web01, cutover.web02]
}

cutover "db01" {
  source_server_id = %q
  max_lag          = "PT5M"
}

cutover "old01" {
  source_server_id = %q
  finalize         = true
  archive          = true
}
`, url, mgWeb01, mgWeb02, mgApp01, mgDB01, mgOld01)
	if err := os.WriteFile(filepath.Join(dir, "main.ferry.hcl"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FERRY_") && !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env, "NO_COLOR=1", "AWS_ACCESS_KEY_ID=AKIASTANDIN", "AWS_SECRET_ACCESS_KEY=standin-secret-0123456789",
		"AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent", "AWS_EC2_METADATA_DISABLED=true")
}

// checkMgnStandinDone checks the end of every run against the stand-in: each cut-over server was
// launched by exactly one cutover job, db01 and old01 by none; the next plan has nothing to do; the
// state records the four as done; no request broke the documented contract.
func checkMgnStandinDone(t *testing.T, st *mgnStandin, dir string, env []string) {
	t.Helper()
	plan := runFerry(t, env, 0, "plan", "--detailed-exitcode", "--chdir", dir)
	if !strings.Contains(plan, "No changes that ferry can make: 1 blocked") {
		t.Errorf("the next plan:\n%s", plan)
	}
	jobs := st.cutoverJobs()
	for _, id := range []string{mgWeb01, mgWeb02, mgApp01} {
		if jobs[id] != 1 {
			t.Errorf("server %s launched by %d cutover jobs, want exactly 1 (all: %v)", id, jobs[id], jobs)
		}
	}
	for _, id := range []string{mgDB01, mgOld01} {
		if jobs[id] != 0 {
			t.Errorf("server %s launched by %d cutover jobs, want none", id, jobs[id])
		}
	}
	st.mu.Lock()
	for _, c := range []struct {
		id, state string
		archived  bool
	}{{mgWeb01, "CUTOVER", true}, {mgWeb02, "CUTOVER", false}, {mgApp01, "CUTTING_OVER", false}, {mgDB01, "READY_FOR_CUTOVER", false}} {
		if sv := st.server(c.id); sv.LifeCycle.State != c.state || sv.IsArchived != c.archived {
			t.Errorf("server %s: lifecycle %s archived %v, want %s %v", c.id, sv.LifeCycle.State, sv.IsArchived, c.state, c.archived)
		}
	}
	for _, v := range st.violations {
		t.Errorf("request outside the documented contract: %s", v)
	}
	st.mu.Unlock()
	st.checkDateTimes()
	ss, err := state.Open(filepath.Join(dir, "ferry.state.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"cutover.web01", "cutover.web02", "cutover.app01", "cutover.old01"} {
		if r, ok := ss.Get(a); !ok || r.Status != state.StatusDone {
			t.Errorf("%s: %+v", a, r)
		}
	}
}

// TestAgainstDocumentedMgnStandin drives the real ferry binary against a stand-in of MGN written
// from AWS's documentation (standin_mgn_server_test.go), outside the sandbox: the plan reads lags in
// the forms ISO 8601 allows and finds the archived server the default read leaves out; the apply
// marks app01 ready, loses the answer of the first StartCutover and finds its job without the tags
// MGN does not promise to keep, waits for jobs that take several reads, waits out the Retry-After of
// a throttled read and of a throttled FinalizeCutover; the next plan has no changes.
func TestAgainstDocumentedMgnStandin(t *testing.T) {
	st := mgnStandinWorld()
	st.dropStartAnswers = 1
	st.throttleFinalize = 1
	st.throttleReads = 1
	hs := httptest.NewServer(st)
	defer hs.Close()
	dir := t.TempDir()
	env := mgnStandinSpec(t, dir, hs.URL)

	plan := runFerry(t, env, 0, "plan", "--chdir", dir)
	t.Logf("plan:\n%s", plan)
	for _, want := range []string{
		"lag PT2H exceeds max_lag PT5M",
		"Plan: 3 to cut over",
	} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan lacks %q", want)
		}
	}
	if strings.Contains(plan, "not found") || strings.Contains(plan, "could not") {
		t.Errorf("plan:\n%s", plan)
	}

	out := runFerry(t, env, 3, "apply", "--auto-approve", "--chdir", dir)
	t.Logf("apply:\n%s", out)
	if strings.Contains(out, "standin-secret") {
		t.Error("the secret key was printed")
	}
	checkMgnStandinDone(t, st, dir, env)

	st.mu.Lock()
	defer st.mu.Unlock()
	if st.dropStartAnswers != 0 || st.throttleFinalize != 0 || st.throttleReads != 0 {
		t.Errorf("a fault was never provoked: %d lost answers, %d + %d throttles left", st.dropStartAnswers, st.throttleFinalize, st.throttleReads)
	}
	if st.continuations == 0 {
		t.Errorf("ferry never followed a nextToken (requests %v)", st.requests)
	}
	for _, j := range st.jobs {
		if j.InitiatedBy == "START_CUTOVER" && j.reads < 2 {
			t.Errorf("cutover job %s read %d times: it takes several", j.JobID, j.reads)
		}
	}
	t.Logf("requests %v, continuation pages %d, StartCutover tags %v", st.requests, st.continuations, st.startTags)
}

// TestMgnStandinKill9 kills `ferry apply` against the stand-in with SIGKILL at several moments,
// applies again, and proves that each server was cut over by exactly one job and the next plan has
// no changes, with no job tags to find the jobs by.
func TestMgnStandinKill9(t *testing.T) {
	moments := []int{1, 2, 3, 4, 5, 7, 10, 14, 20} // a whole apply journals 21 to 25 records
	if testing.Short() {
		moments = []int{2, 4}
	}
	for _, k := range moments {
		t.Run(fmt.Sprintf("after_%d_records", k), func(t *testing.T) {
			st := mgnStandinWorld()
			hs := httptest.NewServer(st)
			defer hs.Close()
			dir := t.TempDir()
			env := mgnStandinSpec(t, dir, hs.URL)
			applyKilledAt(t, env, &crashState{dir: dir}, k, 60*time.Second)
			runFerry(t, env, 3, "apply", "--auto-approve", "--chdir", dir)
			checkMgnStandinDone(t, st, dir, env)
		})
	}
}

// TestMgnStandinConflictNamesNoServer: web02 is moved by hand between plan and apply; the
// stand-in refuses the wave's StartCutover as a whole with a ConflictException that names no
// server (the API reference does not say it names them). ferry reads the wave back, reports web02
// with the state it is in, starts web01 alone, and app01, which depends on web02, waits.
func TestMgnStandinConflictNamesNoServer(t *testing.T) {
	st := mgnStandinWorld()
	hs := httptest.NewServer(st)
	defer hs.Close()
	dir := t.TempDir()
	env := mgnStandinSpec(t, dir, hs.URL)
	runFerry(t, env, 0, "plan", "--out", filepath.Join(dir, "wave.plan"), "--chdir", dir)
	st.mu.Lock()
	st.server(mgWeb02).LifeCycle.State = "READY_FOR_TEST"
	st.mu.Unlock()
	out := runFerry(t, env, 1, "apply", filepath.Join(dir, "wave.plan"), "--chdir", dir)
	t.Logf("apply:\n%s", out)
	if !strings.Contains(out, "server "+mgWeb02+" is in lifecycle READY_FOR_TEST; ferry expected READY_FOR_CUTOVER (was it changed by hand since the plan?)") {
		t.Errorf("the moved server is not reported:\n%s", out)
	}
	jobs := st.cutoverJobs()
	if jobs[mgWeb01] != 1 || jobs[mgWeb02] != 0 || jobs[mgApp01] != 0 {
		t.Errorf("cutover jobs %v; want web01's only", jobs)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if n := st.requests["StartCutover"]; n != 2 {
		t.Errorf("%d StartCutover requests, want 2 (refused, then web01 alone)", n)
	}
	if sv := st.server(mgWeb01); sv.LifeCycle.State != "CUTOVER" || !sv.IsArchived {
		t.Errorf("web01: %s archived %v", sv.LifeCycle.State, sv.IsArchived)
	}
	for _, v := range st.violations {
		t.Errorf("request outside the documented contract: %s", v)
	}
}
