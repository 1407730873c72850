package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/providers/partnercenter/examplegen"
)

// TestInterruptWhilePacing: with the documented create limit (100 per partner per 5 minutes, in real
// time) and 130 subscriptions, the 101st create waits for the limit. An interrupt then ends the apply
// promptly, and no create is sent after it; a re-apply at once paces from the journal's sends
// (nothing is throttled) and sends no create twice.
func TestInterruptWhilePacing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs an apply of 130 subscriptions")
	}
	dir := t.TempDir()
	if err := examplegen.Write(dir, examplegen.Options{Subs: 130, Customers: 10, Migration: "1s", Limits: "documented"}); err != nil {
		t.Fatal(err)
	}
	srv, _, env := serveWorld(t, filepath.Join(dir, "world.json"))
	creates := func() int64 { return srv.Env().Stats.Get("partnercenter.CreateMigration") }

	var out bytes.Buffer
	cmd := exec.Command("ferry", "apply", "--auto-approve", "--chdir", dir)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for deadline := time.Now().Add(2 * time.Minute); creates() < 100; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("apply did not reach the create limit (%d creates):\n%s", creates(), out.String())
		}
	}
	time.Sleep(300 * time.Millisecond) // the next creates are now waiting on the limit
	atInterrupt := creates()
	start := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-exited:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("apply did not end within a minute of the interrupt:\n%s", out.String())
	}
	t.Logf("apply ended %s after the interrupt, with %d creates sent", time.Since(start).Round(time.Millisecond), creates())
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("interrupted apply: %v, want exit 1\n%s", err, out.String())
	}
	if got := creates(); got != atInterrupt || got != 100 {
		t.Fatalf("%d creates after the interrupt (%d at it), want exactly the 100 the limit allowed", got, atInterrupt)
	}

	// A re-apply right away must not burst past the limit: its client-side pacing starts from the
	// 100 sends the journal holds, so the sandbox throttles nothing. Interrupt it as soon as it is
	// waiting (finishing would take the rest of the 5-minute window).
	cmd = exec.Command("ferry", "apply", "--auto-approve", "--chdir", dir)
	out.Reset()
	cmd.Env, cmd.Stdout, cmd.Stderr = env, &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { exited <- cmd.Wait() }()
	time.Sleep(3 * time.Second)
	_ = cmd.Process.Signal(os.Interrupt)
	<-exited
	if th := srv.Env().Stats.Get("partnercenter.CreateMigration.throttled"); th != 0 {
		t.Errorf("the re-apply was throttled %d times: it did not pace from the journal", th)
	}
	if got := creates(); got != 100 {
		t.Errorf("%d creates after the re-apply, want still 100 (the window is full)", got)
	}
}
