package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ferry-dev/ferry/hclspec"
	"github.com/ferry-dev/ferry/internal/regfile"
	"github.com/ferry-dev/ferry/state"
	"github.com/ferry-dev/ferry/views"
)

// DefaultConnStrEnv is the variable the postgres backend reads its connection string from unless
// conn_str_env says otherwise.
const DefaultConnStrEnv = "FERRY_PG_URL"

// workspaceFile is where `ferry workspace select` records the selected workspace, in the spec
// directory.
const workspaceFile = ".ferry/workspace"

// maxWorkspaceFile bounds the workspace file read (a name is at most 100 bytes).
const maxWorkspaceFile = 4096

// backendSettings are the postgres backend's settings after the spec, --backend-config and the
// selected workspace.
type backendSettings struct {
	connStrEnv, schema, workspace string
}

// backendConfigKeys are the keys --backend-config accepts.
var backendConfigKeys = []string{"conn_str_env", "schema", "workspace"}

// pgSettings resolves the postgres backend's settings: --backend-config, then the workspace
// selected with `ferry workspace select`, then the spec's backend block, then the defaults.
func (g *Globals) pgSettings(b *hclspec.Backend) (backendSettings, error) {
	s := backendSettings{connStrEnv: b.ConnStrEnv, schema: b.Schema, workspace: b.Workspace}
	if sel, err := g.selectedWorkspace(); err != nil {
		return s, err
	} else if sel != "" {
		s.workspace = sel
	}
	for _, kv := range g.BackendConfig {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || v == "" {
			return s, fmt.Errorf("--backend-config %q: want KEY=VALUE with KEY one of %s", kv, strings.Join(backendConfigKeys, ", "))
		}
		switch k {
		case "conn_str_env":
			s.connStrEnv = v
		case "schema":
			s.schema = v
		case "workspace":
			s.workspace = v
		default:
			return s, fmt.Errorf("--backend-config %s: the postgres backend has no setting %q (it has %s; the connection string itself "+
				"comes from the environment variable conn_str_env names)", k, k, strings.Join(backendConfigKeys, ", "))
		}
	}
	if s.connStrEnv == "" {
		s.connStrEnv = DefaultConnStrEnv
	}
	if s.schema == "" {
		s.schema = state.DefaultPGSchema
	}
	if s.workspace == "" {
		s.workspace = state.DefaultPGWorkspace
	}
	if err := state.CheckPGName("schema", s.schema); err != nil {
		return s, err
	}
	return s, state.CheckPGName("workspace", s.workspace)
}

// backend resolves where the state is kept: the spec's backend block (with --backend-config and the
// selected workspace), or else the local file (--state, ferry { state }, the default).
func (g *Globals) backend(cfg *hclspec.Config) (state.Backend, error) {
	if cfg == nil || cfg.Backend == nil {
		if len(g.BackendConfig) > 0 {
			return nil, errors.New("--backend-config sets a shared backend's settings, but the spec declares none: add " +
				`ferry { backend "postgres" { … } } (docs/state.md)`)
		}
		return state.LocalBackend{Path: g.statePath(cfg), Options: g.stateOpts}, nil
	}
	if g.StatePath != "" {
		return nil, fmt.Errorf("--state names a local state file, but the spec keeps its state in backend %q; use --backend-config to choose "+
			"its workspace, or `ferry state pull FILE` to copy it to a file", cfg.Backend.Type)
	}
	s, err := g.pgSettings(cfg.Backend)
	if err != nil {
		return nil, err
	}
	url := g.Getenv(s.connStrEnv)
	if url == "" {
		return nil, fmt.Errorf("the postgres backend reads its connection string from the environment variable %s, which is not set "+
			"(conn_str_env in the spec's backend block, or --backend-config conn_str_env=NAME, names another)", s.connStrEnv)
	}
	return state.PGBackend{URL: url, Schema: s.schema, Workspace: s.workspace}, nil
}

// backendSecrets are the secrets of the spec's backend: its connection string and the password in
// it, redacted from all output.
func (g *Globals) backendSecrets(cfg *hclspec.Config) []string {
	if cfg == nil || cfg.Backend == nil {
		return nil
	}
	env := cfg.Backend.ConnStrEnv
	for _, kv := range g.BackendConfig {
		if v, ok := strings.CutPrefix(kv, "conn_str_env="); ok {
			env = v
		}
	}
	if env == "" {
		env = DefaultConnStrEnv
	}
	url := g.Getenv(env)
	if url == "" {
		return nil
	}
	return state.PGSecrets(url)
}

// selectedWorkspace reads the workspace recorded by `ferry workspace select` ("" when none).
func (g *Globals) selectedWorkspace() (string, error) {
	path := filepath.Join(g.dir(), workspaceFile)
	// ferry writes this file itself (workspace select), never as a link. It lies in the spec
	// directory, which a pull request can fill: a link to /proc/self/environ had its content — the
	// whole environment — quoted in the error, and one to /dev/zero was read without end. A link or
	// anything but a small regular file is refused, and the content is never quoted.
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the selected workspace: %w", err)
	}
	if !fi.Mode().IsRegular() {
		kind := regfile.Kind(fi.Mode())
		if fi.Mode()&os.ModeSymlink != 0 {
			kind = "a symbolic link"
		}
		return "", fmt.Errorf("%s is %s, not the regular file ferry workspace select writes; remove it and run ferry workspace select NAME", path, kind)
	}
	raw, err := regfile.Read(path, maxWorkspaceFile)
	if err != nil {
		return "", fmt.Errorf("read the selected workspace: %w", err)
	}
	name := strings.TrimSpace(string(raw))
	if err := state.CheckPGName("workspace", name); err != nil {
		return "", fmt.Errorf("%s does not hold a workspace name (letters, digits, '-', '_' and '.', starting with a letter or digit, "+
			"at most 100); run ferry workspace select NAME", path)
	}
	return name, nil
}

// openState opens the spec's state for reading, without its lock (plan, report); it prints why
// when it cannot. The caller closes the state.
func (g *Globals) openState(ctx context.Context, s *spec) (state.Backend, state.State, bool) {
	b, err := g.backend(s.cfg)
	if err != nil {
		g.errorf(s.err, "%v", err)
		return nil, nil, false
	}
	st, err := b.Open(ctx)
	if err != nil {
		g.errorf(s.err, "%v", err)
		return nil, nil, false
	}
	return b, st, true
}

// lockedState takes the state lock for operation (waiting up to --lock-timeout), opens the state
// under it and checks that it can be written — before the operation sends or records anything, so
// that an unwritable or full state directory (or a lost PostgreSQL lock) fails here, once; release
// closes the state, which releases the lock.
func (g *Globals) lockedState(ctx context.Context, b state.Backend, operation string) (st state.State, release func(), err error) {
	st, err = b.OpenLocked(ctx, operation, g.LockTimeout)
	if err != nil {
		return nil, nil, err
	}
	if err = st.CheckWritable(); err != nil {
		_ = st.Close()
		return nil, nil, err
	}
	g.stateWarnings(g.Stderr, st)
	return st, func() { _ = st.Close() }, nil
}

// readState opens the state for reading. exists is false when there is no state yet (no snapshot
// file, or a workspace never written); a journal whose snapshot is gone is still an error.
func readState(ctx context.Context, b state.Backend) (st state.State, exists bool, err error) {
	if lb, ok := b.(state.LocalBackend); ok {
		if _, err := os.Stat(lb.Path); err != nil && os.IsNotExist(err) {
			if _, err := state.Open(lb.Path); err != nil {
				return nil, false, err // e.g. a journal whose snapshot was deleted
			}
			return nil, false, nil
		}
	}
	st, err = b.Open(ctx)
	if err != nil {
		return nil, false, err
	}
	return st, !st.IsNew(), nil
}

// workspaceWarning prints on w (stderr) a warning when the workspace selected with `ferry workspace
// select` is used instead of another one the spec's backend block names: the selection wins (as
// documented), but a plan or apply of the state of another workspace than the spec says must not
// go unnoticed. --backend-config workspace=… is explicit and says nothing.
func (g *Globals) workspaceWarning(w io.Writer, cfg *hclspec.Config) {
	if cfg == nil || cfg.Backend == nil || cfg.Backend.Workspace == "" {
		return
	}
	for _, kv := range g.BackendConfig {
		if strings.HasPrefix(kv, "workspace=") {
			return
		}
	}
	sel, err := g.selectedWorkspace()
	if err != nil || sel == "" || sel == cfg.Backend.Workspace {
		return
	}
	msg := fmt.Sprintf("Using workspace %q, selected with `ferry workspace select` (%s); the spec's backend block names %q. "+
		"Run ferry workspace select %s to follow the spec, or pass --backend-config workspace=NAME.",
		sel, workspaceFile, cfg.Backend.Workspace, cfg.Backend.Workspace)
	if g.JSON {
		_ = views.WriteDiagnosticsJSON(w, []views.Diagnostic{views.WarningDiagnostic("Workspace differs from the spec", msg)})
		return
	}
	fmt.Fprintf(w, "Warning: %s\n\n", views.EscapeLines(msg))
}

// localStateLeftBehind refuses to plan or apply on an empty shared workspace while a local state
// file sits in the spec directory: a backend block added to a spec that was applied with a local
// state would otherwise start a new state (a new lineage, so new idempotency keys) and forget what the
// local one knows — the skip-list entries ferry added, the steps in flight. `ferry state push` moves it.
func (g *Globals) localStateLeftBehind(cfg *hclspec.Config, st state.State) error {
	if cfg == nil || cfg.Backend == nil || st.Serial() != 0 || st.Len() != 0 {
		return nil
	}
	path := g.statePath(cfg)
	if _, err := os.Stat(path); err != nil {
		return nil
	}
	rel := path
	if r, err := filepath.Rel(g.dir(), path); err == nil && !strings.HasPrefix(r, "..") {
		rel = r
	}
	return fmt.Errorf("the spec keeps its state in backend %q, whose workspace has no state yet, but the local state %s is in the "+
		"spec directory: move it in first with `ferry state push %s` (nothing lost: same lineage, same idempotency keys), or "+
		"rename it if it is not this spec's state", cfg.Backend.Type, rel, rel)
}
