package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/providers/partnercenter/examplegen"
)

// TestKill9WhileWaitsOutstanding applies 1 000 subscriptions over 200 customers with 30-minute
// migrations and the documented limits, both scaled ×300 (the acceptance run of waiting at scale),
// and kills it with SIGKILL at 20 moments: each apply is killed once the journal has grown by
// another 250 records, so most kills land while hundreds of migrations are outstanding in the
// watcher. A last apply finishes. Every legacy subscription must end with exactly one migration,
// and the next plan has no changes.
func TestKill9WhileWaitsOutstanding(t *testing.T) {
	if testing.Short() {
		t.Skip("applies 1 000 subscriptions 21 times")
	}
	eachBackend(t, testKill9WhileWaitsOutstanding)
}

func testKill9WhileWaitsOutstanding(t *testing.T, setup func(string, []string) (*crashState, []string)) {
	dir := t.TempDir()
	if err := examplegen.Write(dir, examplegen.Options{Subs: 1000, Customers: 200, Migration: "30m", Limits: "scaled", Factor: 300}); err != nil {
		t.Fatal(err)
	}
	srv, hs, env := serveWorld(t, filepath.Join(dir, "world.json"))
	cs, env := setup(dir, env)

	kills := 0
	for k := 1; k <= 20; k++ {
		target := cs.records() + 200
		var out bytes.Buffer
		cmd := exec.Command("ferry", "apply", "--auto-approve", "--parallelism", "10", "--chdir", dir)
		cmd.Env, cmd.Stdout, cmd.Stderr = env, &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		deadline := time.After(2 * time.Minute)
	watch:
		for {
			select {
			case err := <-exited:
				if err != nil {
					t.Fatalf("apply %d failed: %v\n%s", k, err, tail(out.String()))
				}
				t.Logf("apply %d finished before the journal grew by 200 records", k)
				break watch
			case <-deadline:
				_ = cmd.Process.Kill()
				t.Fatalf("kill %d: the journal did not reach %d records in 2 minutes:\n%s", k, target, tail(out.String()))
			case <-time.After(5 * time.Millisecond):
				if cs.records() >= target {
					_ = cmd.Process.Signal(syscall.SIGKILL)
					<-exited
					kills++
					break watch
				}
			}
		}
		t.Logf("kill %d at %d journal records; %d creates sent so far", k, cs.records(), srv.Env().Stats.Get("partnercenter.CreateMigration"))
	}
	if kills < 15 {
		t.Errorf("only %d kills landed before the work was done", kills)
	}
	runFerry(t, env, 0, "apply", "--auto-approve", "--parallelism", "10", "--chdir", dir)

	var world struct {
		PartnerCenter struct {
			Migrations []struct {
				CurrentSubscriptionID string `json:"currentSubscriptionId"`
			} `json:"migrations"`
		} `json:"partnercenter"`
	}
	getJSON(t, hs.URL+"/_sandbox/world", &world)
	per := map[string]int{}
	for _, m := range world.PartnerCenter.Migrations {
		per[m.CurrentSubscriptionID]++
	}
	twice := 0
	for id, n := range per {
		if n > 1 {
			twice++
			if twice <= 5 {
				t.Errorf("legacy subscription %s migrated %d times", id, n)
			}
		}
	}
	if len(per) != 1000 || twice > 0 {
		t.Fatalf("%d legacy subscriptions migrated (want 1000), %d more than once; stats %v", len(per), twice, srv.Env().Stats.Snapshot())
	}
	runFerry(t, env, 0, "plan", "--detailed-exitcode", "--chdir", dir)
	t.Logf("sandbox requests: %v", srv.Env().Stats.Snapshot())
}

// tail returns the last lines of s, for failure messages.
func tail(s string) string {
	if len(s) > 3000 {
		return fmt.Sprintf("…%s", s[len(s)-3000:])
	}
	return s
}
