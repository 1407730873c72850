package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/providers/sandbox"
	"github.com/ferry-dev/ferry/providers/table"
)

// TestKill9AtManyMoments kills `ferry apply` with SIGKILL at 20 different moments (after a growing
// number of journal records), re-applies, and proves that every legacy subscription was migrated
// exactly once, that the state lists every one as migrated, and that the next plan has no changes.
func TestKill9AtManyMoments(t *testing.T) {
	eachBackend(t, testKill9AtManyMoments)
}

func testKill9AtManyMoments(t *testing.T, setup func(string, []string) (*crashState, []string)) {
	moments := 20
	if testing.Short() {
		moments = 4
	}
	for k := 1; k <= moments; k++ {
		records := k * 4
		t.Run(fmt.Sprintf("after_%d_records", records), func(t *testing.T) {
			dir := t.TempDir()
			hs, env := exampleInSandbox(t, dir)
			cs, env := setup(dir, env)

			// First apply: killed once the journal holds `records` records.
			applyKilledAt(t, env, cs, records, 60*time.Second)
			t.Logf("killed after %d journal records", cs.records())

			// Resume.
			runFerry(t, env, 0, "apply", "--auto-approve", "--chdir", dir)
			planOut := runFerry(t, env, 0, "plan", "--detailed-exitcode", "--chdir", dir)
			if !strings.Contains(planOut, "No changes") {
				t.Errorf("final plan:\n%s", planOut)
			}

			// Exactly one migration per legacy base subscription.
			var world struct {
				PartnerCenter struct {
					Customers []struct {
						Subscriptions []struct {
							ID     string `json:"id"`
							Parent string `json:"parentSubscriptionId"`
							Status string `json:"status"`
							From   string `json:"migratedFromSubscriptionId"`
						} `json:"subscriptions"`
					} `json:"customers"`
					Migrations []struct {
						CurrentSubscriptionID string `json:"currentSubscriptionId"`
						Status                string `json:"status"`
					} `json:"migrations"`
				} `json:"partnercenter"`
			}
			getJSON(t, hs.URL+"/_sandbox/world", &world)
			per := map[string]int{}
			for _, m := range world.PartnerCenter.Migrations {
				per[m.CurrentSubscriptionID]++
			}
			bases := 0
			for _, c := range world.PartnerCenter.Customers {
				for _, s := range c.Subscriptions {
					if s.From != "" || s.Parent != "" {
						continue // an NCE successor, or an add-on (migrated with its base)
					}
					bases++
					if per[s.ID] != 1 {
						t.Errorf("legacy subscription %s has %d migrations, want exactly 1", s.ID, per[s.ID])
					}
				}
			}
			var stats map[string]int
			getJSON(t, hs.URL+"/_sandbox/stats", &stats)
			if bases != 20 || len(world.PartnerCenter.Migrations) != bases {
				t.Errorf("%d migrations for %d legacy bases; stats %v", len(world.PartnerCenter.Migrations), bases, stats)
			}
			// The simulator itself refuses a second migration of a subscription in flight, so the
			// number of create requests is what proves that nothing was sent twice.
			if got := stats["partnercenter.CreateMigration"]; got != bases {
				t.Errorf("%d create requests for %d legacy bases: something was sent twice", got, bases)
			}

			st := cs.open(t)
			if st.Len() != 20 {
				t.Errorf("state holds %d resources, want 20", st.Len())
			}
			for _, a := range st.Addrs() {
				r, _ := st.Get(a)
				if r.Status != "migrated" {
					t.Errorf("%s: status %q, want migrated", a, r.Status)
				}
				// A kill between the wait's outcome and the final entry once left "migrated" entries
				// without these, for good.
				if r.RemoteIDs["customer_id"] == "" || r.RemoteIDs["legacy_subscription_id"] == "" || r.RemoteIDs["new_subscription_id"] == "" {
					t.Errorf("%s: incomplete entry, remote IDs %v", a, r.RemoteIDs)
				}
			}
		})
	}
}

// TestInterruptStopsCleanly sends SIGINT to a running apply: it starts nothing new, lets the calls
// already sent finish and be journaled, exits 1 saying how to resume, and a re-apply finishes the job
// with every legacy subscription migrated exactly once.
func TestInterruptStopsCleanly(t *testing.T) {
	eachBackend(t, testInterruptStopsCleanly)
}

func testInterruptStopsCleanly(t *testing.T, setup func(string, []string) (*crashState, []string)) {
	dir := t.TempDir()
	hs, env := exampleInSandbox(t, dir)
	cs, env := setup(dir, env)

	var out bytes.Buffer
	cmd := exec.Command("ferry", "apply", "--auto-approve", "--parallelism", "2", "--chdir", dir)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); cs.records() < 6; time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("apply did not start:\n%s", out.String())
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("interrupted apply: %v, want exit 1\n%s", err, out.String())
	}
	for _, want := range []string{"Interrupt received", "interrupted", "Run ferry apply again to resume"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// The state is consistent: it loads, and every intent it holds has an outcome or is reconciled next.
	_ = cs.open(t)
	runFerry(t, env, 0, "apply", "--auto-approve", "--chdir", dir)
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
		if per[m.CurrentSubscriptionID]++; per[m.CurrentSubscriptionID] > 1 {
			t.Errorf("legacy subscription %s migrated twice", m.CurrentSubscriptionID)
		}
	}
	if len(per) != 20 {
		t.Errorf("%d legacy subscriptions migrated, want 20", len(per))
	}
}

// exampleInSandbox copies examples/m365-nce into dir with fast migrations, serves its world in an
// in-process sandbox (closed when the test ends) and returns it with the environment for ferry.
func exampleInSandbox(t *testing.T, dir string) (*httptest.Server, []string) {
	t.Helper()
	example := filepath.Join("..", "..", "examples", "m365-nce")
	for _, f := range []string{"main.ferry.hcl", "customers.csv"} {
		copyFile(t, filepath.Join(example, f), filepath.Join(dir, f))
	}
	wpath := filepath.Join(dir, "world.json")
	if err := os.WriteFile(wpath, fastWorld(t, filepath.Join(example, "world.json")), 0o644); err != nil {
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
	t.Cleanup(hs.Close)
	return hs, append(os.Environ(), "FERRY_SANDBOX="+hs.URL, "NO_COLOR=1")
}

// fastWorld returns the example world with migrations that take a fraction of a second and
// requests that take a little time.
func fastWorld(t *testing.T, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var w map[string]any
	if err := json.Unmarshal(raw, &w); err != nil {
		t.Fatal(err)
	}
	// Every request takes 15 ms, so many kills land while a request is in flight: the sandbox may
	// have performed a create whose answer ferry never read.
	w["behaviour"] = map[string]any{"durations": map[string]string{"partnercenter.migration": "300ms"}, "latency": "15ms"}
	out, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func runFerry(t *testing.T, env []string, wantCode int, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command("ferry", args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, &out, &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if code != wantCode {
		t.Fatalf("ferry %s: exit %d, want %d\n%s", strings.Join(args, " "), code, wantCode, out.String())
	}
	return out.String()
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func countLines(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		n++
	}
	return n
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// applyKilledAt runs `ferry apply --auto-approve` in cs.dir and kills it with SIGKILL once its
// journal holds at least records records. The test fails when the apply ends first (that moment was
// not tested) or does not get there within timeout.
func applyKilledAt(t *testing.T, env []string, cs *crashState, records int, timeout time.Duration) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command("ferry", "apply", "--auto-approve", "--chdir", cs.dir)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(timeout)
	for {
		select {
		case <-exited:
			t.Fatalf("apply finished before reaching %d journal records; this moment was not tested:\n%s", records, out.String())
		case <-deadline:
			_ = cmd.Process.Kill()
			<-exited
			t.Fatalf("apply neither finished nor reached %d journal records:\n%s", records, out.String())
		case <-time.After(time.Millisecond):
			if cs.records() >= records {
				_ = cmd.Process.Signal(syscall.SIGKILL)
				<-exited
				return
			}
		}
	}
}

// serveWorld serves a world file in an in-process sandbox (closed when the test ends) and returns it
// with the environment that points ferry at it.
func serveWorld(t *testing.T, path string) (*sandbox.Server, *httptest.Server, []string) {
	t.Helper()
	w, err := sandbox.LoadWorld(path, table.Default())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sandbox.New(w, table.Default())
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return srv, hs, append(os.Environ(), "FERRY_SANDBOX="+hs.URL, "NO_COLOR=1")
}
