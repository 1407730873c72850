package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ferry-dev/ferry/internal/pgtest"
	"github.com/ferry-dev/ferry/state"
)

// TestPGConnectionKilledMidApply ends the PostgreSQL session of a running apply with
// pg_terminate_backend (its lock goes with it): the apply stops and says so, no create is sent
// whose intent was not committed before the kill, and the next apply resumes with no duplicate.
func TestPGConnectionKilledMidApply(t *testing.T) {
	dir := t.TempDir()
	hs, env := exampleInSandbox(t, dir)
	cs, env := pgCrashState(t, dir, env)

	var out bytes.Buffer
	cmd := exec.Command("ferry", "apply", "--auto-approve", "--parallelism", "3", "--chdir", dir)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for deadline := time.Now().Add(60 * time.Second); cs.records() < 6; time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("apply did not start:\n%s", out.String())
		}
	}
	var killed bool
	err := cs.admin.QueryRow(context.Background(), `SELECT pg_terminate_backend(backend_pid) FROM `+
		pgx.Identifier{cs.pg.Schema, "locks"}.Sanitize()+` WHERE workspace = $1`, cs.pg.Workspace).Scan(&killed)
	if err != nil || !killed {
		t.Fatalf("pg_terminate_backend: %v %v", killed, err)
	}
	select {
	case err = <-exited:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("apply did not stop after losing its connection:\n%s", out.String())
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("apply after its connection was killed: %v, want exit 1\n%s", err, out.String())
	}
	for _, want := range []string{"was lost", "sends nothing more", "Run ferry apply again"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// Every create the sandbox received had its intent committed before the kill.
	var stats map[string]int
	getJSON(t, hs.URL+"/_sandbox/stats", &stats)
	st := cs.open(t)
	intents := 0
	for _, a := range st.Addrs() {
		if r, _ := st.Get(a); r.Steps["migrate"] != nil {
			intents++
		}
	}
	creates := stats["partnercenter.CreateMigration"]
	t.Logf("killed at %d records: %d creates sent, %d intents committed; the apply said:\n%s", cs.records(), creates, intents, tail(out.String()))
	if creates > intents {
		t.Fatalf("%d creates were sent but only %d intents committed: a step was sent after the connection was lost", creates, intents)
	}
	if intents >= 20 {
		t.Fatalf("every intent was committed before the kill landed; this test did not test a kill mid-apply")
	}

	runFerry(t, env, 0, "apply", "--auto-approve", "--chdir", dir)
	if planOut := runFerry(t, env, 0, "plan", "--detailed-exitcode", "--chdir", dir); !strings.Contains(planOut, "No changes") {
		t.Errorf("final plan:\n%s", planOut)
	}
	getJSON(t, hs.URL+"/_sandbox/stats", &stats)
	if got := stats["partnercenter.CreateMigration"]; got != 20 {
		t.Errorf("%d create requests for 20 legacy bases: something was sent twice", got)
	}
}

// TestPGConcurrentApplies: a second apply on a workspace in use is refused at once naming the first
// (its pid); applies on two workspaces of one schema run at the same time without interfering.
func TestPGConcurrentApplies(t *testing.T) {
	url, schema := pgtest.Schema(t)
	type run struct {
		dir string
		url string
		env []string
		cmd *exec.Cmd
		out bytes.Buffer
	}
	runs := map[string]*run{}
	for _, ws := range []string{"emea", "apac"} {
		r := &run{dir: t.TempDir()}
		hs, env := exampleInSandbox(t, r.dir)
		r.url = hs.URL
		if err := withPGBackend(r.dir, schema); err != nil {
			t.Fatal(err)
		}
		r.env = append(env, "FERRY_PG_URL="+url)
		r.cmd = exec.Command("ferry", "apply", "--auto-approve", "--parallelism", "4", "--chdir", r.dir, "--backend-config", "workspace="+ws)
		r.cmd.Env, r.cmd.Stdout, r.cmd.Stderr = r.env, &r.out, &r.out
		runs[ws] = r
	}
	for _, r := range runs {
		if err := r.cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	// While emea runs, a second apply on emea is refused naming it.
	emea := runs["emea"]
	b := state.PGBackend{URL: url, Schema: schema, Workspace: "emea"}
	admin, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		var n int
		_ = admin.QueryRow(context.Background(), `SELECT count(*) FROM `+pgx.Identifier{schema, "journal"}.Sanitize()+` WHERE workspace = 'emea'`).Scan(&n)
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the emea apply did not start:\n%s", emea.out.String())
		}
	}
	second := runFerry(t, emea.env, 1, "apply", "--auto-approve", "--chdir", emea.dir, "--backend-config", "workspace=emea")
	if want := fmt.Sprintf("state is locked by pid %d (ferry apply, user ", emea.cmd.Process.Pid); !strings.Contains(second, want) {
		t.Errorf("second apply on emea: want %q in\n%s", want, second)
	}
	var wg sync.WaitGroup
	for ws, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.cmd.Wait(); err != nil {
				t.Errorf("apply on %s: %v\n%s", ws, err, r.out.String())
			}
		}()
	}
	wg.Wait()
	lineages := map[string]bool{}
	for ws, r := range runs {
		if out := runFerry(t, r.env, 0, "plan", "--detailed-exitcode", "--chdir", r.dir, "--backend-config", "workspace="+ws); !strings.Contains(out, "No changes") {
			t.Errorf("plan of %s:\n%s", ws, out)
		}
		b.Workspace = ws
		st, err := b.Open(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if st.Len() != 20 {
			t.Errorf("%s holds %d resources, want 20", ws, st.Len())
		}
		lineages[st.Lineage()] = true
		var stats map[string]int
		getJSON(t, r.url+"/_sandbox/stats", &stats)
		if got := stats["partnercenter.CreateMigration"]; got != 20 {
			t.Errorf("%s: %d create requests for 20 legacy bases", ws, got)
		}
	}
	if len(lineages) != 2 {
		t.Errorf("the two workspaces share a lineage: %v", lineages)
	}
}

// TestPGServerGoneMidApply takes the PostgreSQL server away from a running apply for good (its
// session is ended and it may not log in again, as when the server is stopped): the apply stops
// recording, says honestly that it cannot tell which steps were sent without their outcome (it
// cannot read the state back; it used to claim the journal "shows no step sent"), and sends no
// change_failed for the changes it stopped: they did not fail at the remote system. Once the
// server is back, apply resumes with no duplicate and every migration is notified once.
func TestPGServerGoneMidApply(t *testing.T) {
	dir := t.TempDir()
	hs, env := exampleInSandbox(t, dir)
	var mu sync.Mutex
	got := map[string]int{}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			Event string `json:"event"`
		}
		_ = json.NewDecoder(r.Body).Decode(&ev)
		mu.Lock()
		got[ev.Event]++
		mu.Unlock()
	}))
	defer hook.Close()
	f, err := os.OpenFile(filepath.Join(dir, "main.ferry.hcl"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "\nnotify \"ops\" {\n  events = [\"migration_completed\", \"change_failed\", \"apply_finished\"]\n  webhook { url = %q }\n}\n", hook.URL)
	_ = f.Close()
	cs, _ := pgCrashState(t, dir, env)

	// A role of the test's own, which the server stops accepting mid-apply.
	ctx := context.Background()
	var b [4]byte
	_, _ = rand.Read(b[:])
	role := "ferry_gone_" + hex.EncodeToString(b[:])
	if _, err := cs.admin.Exec(ctx, `CREATE ROLE `+role+` LOGIN SUPERUSER PASSWORD 'gone'`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = cs.admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, role)
		_, _ = cs.admin.Exec(ctx, `DROP OWNED BY `+role+` CASCADE`)
		_, _ = cs.admin.Exec(ctx, `DROP ROLE `+role)
	})
	u, err := neturl.Parse(cs.pg.URL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = neturl.UserPassword(role, "gone")
	env = append(env, "FERRY_PG_URL="+u.String())

	var out bytes.Buffer
	cmd := exec.Command("ferry", "apply", "--auto-approve", "--parallelism", "3", "--chdir", dir)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for deadline := time.Now().Add(60 * time.Second); cs.records() < 6; time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("apply did not start:\n%s", out.String())
		}
	}
	if _, err := cs.admin.Exec(ctx, `ALTER ROLE `+role+` NOLOGIN`); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, role); err != nil {
		t.Fatal(err)
	}
	select {
	case err = <-exited:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("apply did not stop after losing the server:\n%s", out.String())
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("apply after the server went away: %v, want exit 1\n%s", err, out.String())
	}
	for _, want := range []string{"was lost", "could not be read back", "cannot tell which steps"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, tail(out.String()))
		}
	}
	if strings.Contains(out.String(), "shows no step sent") {
		t.Errorf("apply claims the journal shows no step sent, though it could not read it:\n%s", tail(out.String()))
	}
	outbox := filepath.Join(dir, ".ferry", "postgres", cs.pg.Schema, "default.outbox")
	raw, err := os.ReadFile(outbox)
	if err != nil {
		t.Fatalf("the outbox: %v", err)
	}
	if strings.Contains(string(raw), `"change_failed"`) {
		t.Errorf("a change_failed was queued for a change stopped by the lost server:\n%s", raw)
	}
	// The run got to its end: its apply_finished (exit code 1) is sent and its report written, with
	// the stopped changes interrupted or not started, none failed.
	if !strings.Contains(string(raw), `"event":"apply_finished"`) || !strings.Contains(string(raw), `"exit_code":1`) {
		t.Errorf("no apply_finished with exit code 1 was queued:\n%s", raw)
	}
	results, _ := filepath.Glob(filepath.Join(dir, "reports", "apply_*", "results.csv"))
	if len(results) != 1 {
		t.Fatalf("reports of the apply: %v", results)
	}
	if csv, _ := os.ReadFile(results[0]); strings.Contains(string(csv), ",failed,") || !strings.Contains(string(csv), ",interrupted,") {
		t.Errorf("results.csv of the stopped apply:\n%s", csv)
	}

	if _, err := cs.admin.Exec(ctx, `ALTER ROLE `+role+` LOGIN`); err != nil {
		t.Fatal(err)
	}
	runFerry(t, env, 0, "apply", "--auto-approve", "--chdir", dir)
	var stats map[string]int
	getJSON(t, hs.URL+"/_sandbox/stats", &stats)
	if n := stats["partnercenter.CreateMigration"]; n != 20 {
		t.Errorf("%d create requests for 20 legacy bases", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if got["change_failed"] != 0 || got["migration_completed"] != 20 || got["apply_finished"] != 2 {
		t.Errorf("notifications received: %v, want 20 migration_completed, 2 apply_finished and no change_failed", got)
	}
}
