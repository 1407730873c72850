package app

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/hclspec"
	"github.com/ferry-dev/ferry/notify"
	"github.com/ferry-dev/ferry/state"
)

// TestBackendResolution: the local file without a backend block; with one, --backend-config beats
// the selected workspace, which beats the block, which beats the defaults; the connection string
// comes only from the environment.
func TestBackendResolution(t *testing.T) {
	env := map[string]string{"FERRY_PG_URL": "postgres://a@h/db", "TEAM_PG": "postgres://b:pw@h/db"}
	g := func(dir string, flags ...string) *Globals {
		return &Globals{Chdir: dir, BackendConfig: flags, Getenv: func(k string) string { return env[k] }}
	}
	pg := &hclspec.Config{Backend: &hclspec.Backend{Type: "postgres", Workspace: "emea"}}
	dir := t.TempDir()

	b, err := g(dir).backend(&hclspec.Config{})
	if lb, ok := b.(state.LocalBackend); err != nil || !ok || lb.Path != filepath.Join(dir, DefaultStateFile) {
		t.Fatalf("no backend block: %#v %v", b, err)
	}
	b, err = g(dir).backend(pg)
	if want := (state.PGBackend{URL: "postgres://a@h/db", Schema: "ferry", Workspace: "emea"}); err != nil || b != want {
		t.Fatalf("block: %#v %v, want %#v", b, err, want)
	}
	if err := g(dir).selectWorkspace("apac"); err != nil {
		t.Fatal(err)
	}
	if b, _ = g(dir).backend(pg); b.(state.PGBackend).Workspace != "apac" {
		t.Fatalf("selected workspace not used: %#v", b)
	}
	b, err = g(dir, "workspace=wave-3", "schema=team", "conn_str_env=TEAM_PG").backend(pg)
	if want := (state.PGBackend{URL: "postgres://b:pw@h/db", Schema: "team", Workspace: "wave-3"}); err != nil || b != want {
		t.Fatalf("--backend-config: %#v %v, want %#v", b, err, want)
	}
	if got := g(dir, "conn_str_env=TEAM_PG").backendSecrets(pg); len(got) != 2 || got[1] != "pw" {
		t.Fatalf("secrets %q, want the URL and its password", got)
	}

	for _, tc := range []struct {
		name  string
		g     *Globals
		cfg   *hclspec.Config
		wants string
	}{
		{"flag without block", g(dir, "workspace=x"), &hclspec.Config{}, "the spec declares none"},
		{"--state with block", &Globals{Chdir: dir, StatePath: "x.json", Getenv: func(string) string { return "u" }}, pg, "--state names a local state file"},
		{"unknown key", g(dir, "conn_str=postgres://x"), pg, `no setting "conn_str"`},
		{"no value", g(dir, "workspace"), pg, "want KEY=VALUE"},
		{"bad workspace", g(dir, "workspace=a/b"), pg, `workspace "a/b"`},
		{"env unset", g(dir, "conn_str_env=NOPE"), pg, "NOPE, which is not set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.g.backend(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.wants) {
				t.Fatalf("error %v, want %q", err, tc.wants)
			}
		})
	}

	if err := os.WriteFile(filepath.Join(dir, workspaceFile), []byte("../etc\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := g(dir).backend(pg); err == nil || !strings.Contains(err.Error(), "ferry workspace select") {
		t.Fatalf("a damaged selection: %v", err)
	}
}

// TestSidePathPerWorkspace: the run record and the outbox of two PostgreSQL workspaces never share
// a file. They were .ferry/postgres_<schema>_<workspace>.*, the same name for schema ferry_prod with
// workspace emea and schema ferry with workspace prod_emea; files of that old name are carried over.
func TestSidePathPerWorkspace(t *testing.T) {
	dir := t.TempDir()
	g := &Globals{Chdir: dir}
	a := g.sidePath(state.PGBackend{URL: "postgres://x", Schema: "ferry_prod", Workspace: "emea"})
	b := g.sidePath(state.PGBackend{URL: "postgres://x", Schema: "ferry", Workspace: "prod_emea"})
	if a == b {
		t.Fatalf("two workspaces share the side path %s", a)
	}
	if want := filepath.Join(dir, ".ferry", "postgres", "ferry", "prod_emea"); b != want {
		t.Fatalf("side path %s, want %s", b, want)
	}

	old := filepath.Join(dir, ".ferry", "postgres_ferry_w1")
	for _, p := range []string{state.RunPath(old), notify.OutboxPath(old)} {
		if err := os.WriteFile(p, []byte("old "+filepath.Base(p)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p := g.sidePath(state.PGBackend{URL: "postgres://x", Schema: "ferry", Workspace: "w1"})
	for _, f := range []string{state.RunPath(p), notify.OutboxPath(p)} {
		if raw, err := os.ReadFile(f); err != nil || !strings.HasPrefix(string(raw), "old postgres_ferry_w1.") {
			t.Errorf("%s after the move: %q, %v", f, raw, err)
		}
	}
	if _, err := os.Stat(notify.OutboxPath(old)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the old outbox is still there: %v", err)
	}
}
