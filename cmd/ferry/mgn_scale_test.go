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
)

// mgnScaleWorld writes a spec of n ready servers (finalize and archive, no dependencies) and their
// world, with launch jobs that take launch, into dir.
func mgnScaleWorld(t *testing.T, dir string, n int, launch time.Duration) string {
	t.Helper()
	spec := fmt.Sprintf(`provider "mgn" {
  region = "eu-west-1"
}

cutover "srv" {
  for_each         = { for i in range(%d) : format("srv%%04d", i) => format("s-%%017d", i) }
  source_server_id = each.value
  max_lag          = "PT5M"
  finalize         = true
  archive          = true
}
`, n)
	if err := os.WriteFile(filepath.Join(dir, "main.ferry.hcl"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	test := mgn.SimJob{JobID: "mgnjob-0000000000000tst1", Type: "LAUNCH", InitiatedBy: "START_TEST",
		CreationDateTime: "2026-11-20T10:00:00.000000+00:00", Status: mgn.JobCompleted}
	var servers []mgn.SimSourceServer
	for i := range n {
		id := fmt.Sprintf("s-%017d", i)
		servers = append(servers, mgn.SimSourceServer{SourceServerID: id,
			LifeCycle: mgn.SimLifeCycle{State: mgn.StateReadyForCutover, LastTest: &mgn.SimLastLaunch{
				Initiated: &mgn.SimInitiated{APICallDateTime: test.CreationDateTime, JobID: test.JobID}}},
			DataReplicationInfo: &mgn.SimDataReplication{DataReplicationState: mgn.ReplicationContinuous, LagDuration: "PT10.5S"}})
		test.ParticipatingServers = append(test.ParticipatingServers, mgn.SimParticipatingServer{SourceServerID: id, LaunchStatus: mgn.LaunchTerminated})
	}
	world := map[string]any{
		"behaviour": map[string]any{"rate_limits": "off", "durations": map[string]string{mgn.DurationLaunch: launch.String()}},
		"mgn":       mgn.SimWorld{SourceServers: servers, Jobs: []mgn.SimJob{test}},
	}
	raw, err := json.Marshal(world)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "world.json")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestMGNThousandServers plans 1 000 ready servers with at most 5 DescribeSourceServers calls (200
// IDs each) and applies them with at most 5 StartCutover calls (200 servers per job), every server
// cut over by exactly one job, finalized and archived. The run's figures (wall time against one
// job's duration) are logged, not asserted.
func TestMGNThousandServers(t *testing.T) {
	if testing.Short() {
		t.Skip("1 000 servers")
	}
	const n = 1000
	launch := 2 * time.Second
	dir := t.TempDir()
	srv, hs, env := serveWorld(t, mgnScaleWorld(t, dir, n, launch))

	out := runFerry(t, env, 0, "plan", "--chdir", dir)
	if !strings.Contains(out, fmt.Sprintf("Plan: %d to cut over", n)) {
		t.Fatalf("plan:\n%s", tail(out))
	}
	if got := srv.Env().Stats.Get(mgn.OpDescribeSourceServers); got > 5 {
		t.Errorf("plan of %d servers sent %d DescribeSourceServers calls, want at most 5", n, got)
	}

	start := time.Now()
	out = runFerry(t, env, 0, "apply", "--auto-approve", "--chdir", dir)
	elapsed := time.Since(start)
	if !strings.Contains(out, fmt.Sprintf("%d done, 0 failed", n)) {
		t.Fatalf("apply:\n%s", tail(out))
	}
	stats := srv.Env().Stats.Snapshot()
	if got := stats[mgn.OpStartCutover]; got > 5 {
		t.Errorf("apply of %d servers sent %d StartCutover calls, want at most 5", n, got)
	}
	var w mgnSection
	getJSON(t, hs.URL+"/_sandbox/world", &w)
	jobs := cutoverJobs(w.MGN)
	for _, s := range w.MGN.SourceServers {
		if len(jobs[s.SourceServerID]) != 1 || s.LifeCycle.State != mgn.StateCutover || !s.IsArchived {
			t.Errorf("%s: %s archived=%v in %d cutover jobs", s.SourceServerID, s.LifeCycle.State, s.IsArchived, len(jobs[s.SourceServerID]))
		}
	}
	// From the first job's start to the first FinalizeCutover: how soon ferry saw a job end.
	var firstJob, firstFinal, lastFinal time.Time
	for _, j := range w.MGN.Jobs {
		if c, err := time.Parse(time.RFC3339Nano, j.CreationDateTime); err == nil && j.InitiatedBy == "START_CUTOVER" && (firstJob.IsZero() || c.Before(firstJob)) {
			firstJob = c
		}
	}
	for _, s := range w.MGN.SourceServers {
		if f, err := time.Parse(time.RFC3339Nano, s.LifeCycle.LastCutover.Finalized.APICallDateTime); err == nil {
			if firstFinal.IsZero() || f.Before(firstFinal) {
				firstFinal = f
			}
			if f.After(lastFinal) {
				lastFinal = f
			}
		}
	}
	t.Logf("apply of %d servers: %s wall; jobs of %s seen ended after %s (%.2f×); all finalized %s after the first job started; "+
		"%d StartCutover, %d DescribeJobs, %d FinalizeCutover, %d MarkAsArchived",
		n, elapsed.Round(time.Millisecond), launch, firstFinal.Sub(firstJob).Round(time.Millisecond), float64(firstFinal.Sub(firstJob))/float64(launch),
		lastFinal.Sub(firstJob).Round(time.Millisecond), stats[mgn.OpStartCutover], stats[mgn.OpDescribeJobs],
		stats[mgn.OpFinalizeCutover], stats[mgn.OpMarkAsArchived])
}
