package app

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/providers/sandbox"
	"github.com/ferry-dev/ferry/providers/table"
	"github.com/ferry-dev/ferry/providers/toy"
)

// TestToyProviderIsOneFolderAndOneLine adds a provider the way docs/architecture.md says (its own
// folder, providers/toy, plus one line of the table) and drives it through every layer: the spec
// loader accepts via = "toy" and its provider block, the sandbox serves its simulator, plan reads
// it, apply creates through it, and a second plan has nothing to do. Nothing else names it.
func TestToyProviderIsOneFolderAndOneLine(t *testing.T) {
	tbl := append(table.Default(), toy.Entry()) // the one line

	world := `{"toy": {"objects": [{"id": "11111111-1111-4111-8111-111111111111"}]}, "behaviour": {"rate_limits": "off"}}`
	w, err := sandbox.DecodeWorld("world.json", []byte(world), tbl)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sandbox.New(w, tbl)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()

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
	run := func(name string, cmd func(g *Globals) int) (int, string) {
		t.Helper()
		var out, errb bytes.Buffer
		env := map[string]string{"FERRY_SANDBOX": hs.URL}
		g := &Globals{Chdir: dir, Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }, Providers: tbl}
		code := cmd(g)
		t.Logf("%s → %d\n%s%s", name, code, out.String(), errb.String())
		return code, out.String()
	}

	if code, out := run("validate", Validate); code != ExitOK || !strings.Contains(out, "2 resource instances") {
		t.Fatalf("validate = %d: %s", code, out)
	}
	code, out := run("plan", func(g *Globals) int {
		return Plan(context.Background(), g, PlanOptions{DetailedExitcode: true})
	})
	if code != ExitChanges || !strings.Contains(out, "create object 22222222") || !strings.Contains(out, "record existing object 11111111") {
		t.Fatalf("plan = %d, want %d with one create and one import:\n%s", code, ExitChanges, out)
	}
	code, _ = run("apply", func(g *Globals) int {
		return Apply(context.Background(), context.Background(), g, ApplyOptions{AutoApprove: true})
	})
	if code != ExitOK {
		t.Fatalf("apply = %d", code)
	}
	code, out = run("plan again", func(g *Globals) int {
		return Plan(context.Background(), g, PlanOptions{DetailedExitcode: true})
	})
	if code != ExitOK {
		t.Fatalf("second plan = %d, want no changes:\n%s", code, out)
	}
	if got := srv.Env().Stats.Get(toy.OpCreate); got != 1 {
		t.Errorf("%s sent %d times, want 1", toy.OpCreate, got)
	}
	var snap toy.SimWorld
	raw, _ := json.Marshal(srv.Simulator(toy.Name).Snapshot())
	if err := json.Unmarshal(raw, &snap); err != nil || len(snap.Objects) != 2 {
		t.Errorf("objects after apply = %s (%v)", raw, err)
	}

	// Without the table line, the same spec is refused before any network call.
	var errb bytes.Buffer
	g := &Globals{Chdir: dir, Stdout: &bytes.Buffer{}, Stderr: &errb, Getenv: func(string) string { return "" }, Providers: table.Default()}
	if code := Validate(g); code != ExitError || !strings.Contains(errb.String(), `There is no provider "toy"`) {
		t.Errorf("validate without the toy line = %d:\n%s", code, errb.String())
	}
}
