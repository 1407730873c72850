package app

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/providers/sandbox"
	"github.com/ferry-dev/ferry/providers/table"
	"github.com/ferry-dev/ferry/providers/toy"
	"github.com/ferry-dev/ferry/state"
)

// toyRig is a spec of two toy objects (one to create, one to import) against a sandbox.
type toyRig struct {
	dir string
	srv *sandbox.Server
	tbl providers.Table
	url string
}

func newToyRig(t *testing.T) *toyRig {
	t.Helper()
	tbl := append(table.Default(), toy.Entry())
	w, err := sandbox.DecodeWorld("world.json", []byte(`{"toy": {"objects": [{"id": "11111111-1111-4111-8111-111111111111"}]}, "behaviour": {"rate_limits": "off"}}`), tbl)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sandbox.New(w, tbl)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	dir := t.TempDir()
	spec := `provider "toy" {
  endpoint = "https://toy.example.com"
}

subscription "t" {
  for_each      = toset(["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"])
  via           = "toy"
  customer_id   = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
  migrate_from  = each.key
  term_duration = "P1Y"
  billing_cycle = "monthly"
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.ferry.hcl"), []byte(spec), 0o600); err != nil {
		t.Fatal(err)
	}
	return &toyRig{dir: dir, srv: srv, tbl: tbl, url: hs.URL}
}

// run runs one command with the state opened through opts; it returns the exit code, stdout, stderr.
func (r *toyRig) run(t *testing.T, opts state.Options, cmd func(g *Globals) int) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	g := &Globals{Chdir: r.dir, Stdout: &out, Stderr: &errb, Providers: r.tbl, stateOpts: opts,
		Getenv: func(k string) string {
			if k == "FERRY_SANDBOX" {
				return r.url
			}
			return ""
		}}
	code := cmd(g)
	t.Logf("→ %d\n%s%s", code, out.String(), errb.String())
	return code, out.String(), errb.String()
}

func applyAuto(g *Globals) int {
	return Apply(context.Background(), context.Background(), g, ApplyOptions{AutoApprove: true})
}

// failingFile is a journal file whose writes fail with ENOSPC once fail says so.
type failingFile struct {
	*os.File
	fail func(p []byte) bool
}

func (f failingFile) Write(p []byte) (int, error) {
	if f.fail(p) {
		return 0, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	return f.File.Write(p)
}

// fullDiskFrom is state.Options whose journal writes fail with ENOSPC from the first write that
// fail accepts on (the probe of CheckWritable included).
func fullDiskFrom(fail func(p []byte) bool) state.Options {
	full := false
	return state.Options{OpenFile: func(name string, flag int, perm os.FileMode) (state.File, error) {
		f, err := os.OpenFile(name, flag, perm)
		if err != nil {
			return nil, err
		}
		return failingFile{File: f, fail: func(p []byte) bool {
			full = full || fail(p)
			return full
		}}, nil
	}}
}

// TestApplyWithFullDiskSaysWhatIsTrue: the disk fills up between a step's intent and its outcome.
// Apply prints the summary, does not claim that nothing is lost or that the state is saved, names
// the step that was sent without its outcome recorded, and advises applying again once the disk has
// space; that next apply sends nothing twice.
func TestApplyWithFullDiskSaysWhatIsTrue(t *testing.T) {
	r := newToyRig(t)
	code, out, errs := r.run(t, fullDiskFrom(func(p []byte) bool { return bytes.Contains(p, []byte(`"op":"outcome"`)) }), applyAuto)
	if code != ExitError {
		t.Errorf("exit %d, want %d", code, ExitError)
	}
	if !strings.Contains(out, "Apply finished with problems.") {
		t.Errorf("no summary:\n%s", out)
	}
	for _, lie := range []string{"nothing is lost", "The state is saved"} {
		if strings.Contains(out+errs, lie) {
			t.Errorf("output says %q:\n%s%s", lie, out, errs)
		}
	}
	for _, want := range []string{
		"the state journal could not be written",
		"no space left on device",
		`1 step(s) may have been sent without their outcome recorded: subscription.t["22222222-2222-4222-8222-222222222222"] (step create`,
		"looks each one up by its idempotency key before sending anything",
		"then run `ferry apply` again",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if got := r.srv.Env().Stats.Get(toy.OpCreate); got != 1 {
		t.Fatalf("%s sent %d times before the disk filled, want 1", toy.OpCreate, got)
	}
	// The change stopped by the full disk did not fail at the remote system: it is interrupted (its
	// step may have been sent), in the summary and in the run's report, which is written as for any
	// apply that got to its end (it was not, and said "failed" with the journal's error).
	if !strings.Contains(out, "1 done, 0 failed, 0 skipped, 1 interrupted") {
		t.Errorf("summary does not count the stopped change as interrupted:\n%s", out)
	}
	if strings.Contains(out, "Error: subscription.t") {
		t.Errorf("the stopped change is reported as an error of its own:\n%s", out)
	}
	results, err := filepath.Glob(filepath.Join(r.dir, "reports", "apply_*", "results.csv"))
	if err != nil || len(results) != 1 {
		t.Fatalf("report of the apply: %v %v", results, err)
	}
	raw, err := os.ReadFile(results[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), ",create,interrupted,") || strings.Contains(string(raw), ",failed,") {
		t.Errorf("results.csv:\n%s", raw)
	}

	// Space again: the next apply records what was sent, and sends nothing twice.
	if code, _, _ := r.run(t, state.Options{}, applyAuto); code != ExitOK {
		t.Fatalf("re-apply = %d", code)
	}
	if got := r.srv.Env().Stats.Get(toy.OpCreate); got != 1 {
		t.Errorf("%s sent %d times in all, want 1: the unrecorded step was sent again", toy.OpCreate, got)
	}
	if code, _, _ := r.run(t, state.Options{}, func(g *Globals) int { return Plan(context.Background(), g, PlanOptions{DetailedExitcode: true}) }); code != ExitOK {
		t.Errorf("plan after the re-apply = %d, want no changes", code)
	}
}

// TestUnwritableStateFailsBeforeAnythingIsSent: apply, import and state rm/mv check that the state
// can be written once they hold the lock, and fail there, once, with a clear message — not each
// change on its first journal record after it started.
func TestUnwritableStateFailsBeforeAnythingIsSent(t *testing.T) {
	r := newToyRig(t)
	readOnly := state.Options{OpenFile: func(name string, flag int, perm os.FileMode) (state.File, error) {
		if flag&(os.O_WRONLY|os.O_RDWR) != 0 {
			return nil, &os.PathError{Op: "open", Path: name, Err: syscall.EROFS}
		}
		return os.OpenFile(name, flag, perm)
	}}
	check := func(name string, code int, out, errs string) {
		t.Helper()
		if code != ExitError || !strings.Contains(errs, "cannot be written") || !strings.Contains(errs, "read-only file system") ||
			!strings.Contains(errs, "nothing was done") {
			t.Errorf("%s = %d, want a failure saying the state cannot be written:\n%s%s", name, code, out, errs)
		}
		if strings.Contains(out, "Plan:") {
			t.Errorf("%s planned before finding the state unwritable:\n%s", name, out)
		}
	}
	code, out, errs := r.run(t, readOnly, applyAuto)
	check("apply", code, out, errs)
	if got := r.srv.Env().Stats.Get(toy.OpCreate); got != 0 {
		t.Errorf("%s sent %d times into an unwritable state", toy.OpCreate, got)
	}
	code, out, errs = r.run(t, readOnly, func(g *Globals) int {
		return Import(context.Background(), g, `subscription.t["11111111-1111-4111-8111-111111111111"]`, "11111111-1111-4111-8111-111111111111")
	})
	check("import", code, out, errs)

	// With a state in place, state rm and mv too.
	if code, _, _ := r.run(t, state.Options{}, applyAuto); code != ExitOK {
		t.Fatalf("apply = %d", code)
	}
	addr := `subscription.t["22222222-2222-4222-8222-222222222222"]`
	code, out, errs = r.run(t, readOnly, func(g *Globals) int { return StateRm(g, []string{addr}) })
	check("state rm", code, out, errs)
	code, out, errs = r.run(t, readOnly, func(g *Globals) int { return StateMv(g, addr, "subscription.x") })
	check("state mv", code, out, errs)
	st, err := state.Open(filepath.Join(r.dir, DefaultStateFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.Get(addr); !ok || st.Len() != 2 {
		t.Errorf("the state changed: %v", st.Addrs())
	}
}
