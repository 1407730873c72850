package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/hclspec"
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
