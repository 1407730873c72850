package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ferry-dev/ferry/internal/atomicfile"
	"github.com/ferry-dev/ferry/notify"
	"github.com/ferry-dev/ferry/state"
	"github.com/ferry-dev/ferry/views"
)

// sharedBackend resolves the spec's PostgreSQL backend for the workspace commands; a spec with a
// local state file has no workspaces.
func (g *Globals) sharedBackend() (state.PGBackend, bool) {
	s, ok := g.loadSpec()
	if !ok {
		return state.PGBackend{}, false
	}
	b, err := g.backend(s.cfg)
	if err != nil {
		g.errorf(g.Stderr, "%v", err)
		return state.PGBackend{}, false
	}
	pg, ok := b.(state.PGBackend)
	if !ok {
		g.errorf(g.Stderr, "workspaces belong to a shared backend, but this spec keeps its state in the local file %s; declare "+
			`ferry { backend "postgres" { … } } to keep states in PostgreSQL (docs/state.md)`, b.Where())
		return state.PGBackend{}, false
	}
	return pg, true
}

// WorkspaceList prints the workspaces of the spec's PostgreSQL backend, the current one marked "*".
func WorkspaceList(ctx context.Context, g *Globals) int {
	b, ok := g.sharedBackend()
	if !ok {
		return ExitError
	}
	ws, err := b.Workspaces(ctx)
	if err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	if err := views.WriteWorkspaceList(g.Stdout, views.NewWorkspaceList(b.Schema, b.Workspace, ws), g.JSON); err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	return ExitOK
}

// WorkspaceNew creates a workspace with an empty state and selects it.
func WorkspaceNew(ctx context.Context, g *Globals, name string) int {
	b, ok := g.sharedBackend()
	if !ok {
		return ExitError
	}
	if err := state.CheckPGName("workspace", name); err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	b.Workspace = name
	if err := b.CreateWorkspace(ctx); err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	if err := g.selectWorkspace(name); err != nil {
		g.errorf(g.Stderr, "created workspace %q, but could not select it: %v", name, err)
		return ExitError
	}
	fmt.Fprintf(g.Stdout, "Created and selected workspace %q (schema %s).\n", name, b.Schema)
	return ExitOK
}

// WorkspaceSelect makes a workspace the current one for this spec directory.
func WorkspaceSelect(ctx context.Context, g *Globals, name string) int {
	b, ok := g.sharedBackend()
	if !ok {
		return ExitError
	}
	if err := state.CheckPGName("workspace", name); err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	ws, err := b.Workspaces(ctx)
	if err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	exists := name == state.DefaultPGWorkspace
	for _, w := range ws {
		exists = exists || w.Name == name
	}
	if !exists {
		g.errorf(g.Stderr, "schema %s has no workspace %q (see ferry workspace list); create it with ferry workspace new %s", b.Schema, name, name)
		return ExitError
	}
	if err := g.selectWorkspace(name); err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	fmt.Fprintf(g.Stdout, "Switched to workspace %q.\n", name)
	return ExitOK
}

// WorkspaceDelete deletes a workspace's state; not the current one, not one in use, and not one
// holding resources unless force is set.
func WorkspaceDelete(ctx context.Context, g *Globals, name string, force bool) int {
	b, ok := g.sharedBackend()
	if !ok {
		return ExitError
	}
	if err := state.CheckPGName("workspace", name); err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	if name == b.Workspace {
		g.errorf(g.Stderr, "workspace %q is the current one; select another first (ferry workspace select NAME)", name)
		return ExitError
	}
	b.Workspace = name
	if err := b.DeleteWorkspace(ctx, force); err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	// The run record and the outbox this spec directory kept for it go too: a workspace made again
	// under the name is a new state, which must not inherit the old one's last run (ferry report
	// refused it as "another state") or its undelivered events.
	side := g.sidePath(b)
	for _, p := range []string{state.RunPath(side), notify.OutboxPath(side)} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			g.warnf(&spec{err: g.Stderr}, "could not remove %s: %v", p, err)
		}
	}
	fmt.Fprintf(g.Stdout, "Deleted workspace %q (nothing remote was touched).\n", name)
	return ExitOK
}

// selectWorkspace records name as the selected workspace of the spec directory.
func (g *Globals) selectWorkspace(name string) error {
	path := filepath.Join(g.dir(), workspaceFile)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("select workspace: %w", err)
	}
	// Replaced, not written through: a link left in its place is not followed.
	if err := atomicfile.Write(path, []byte(name+"\n"), 0o644); err != nil {
		return fmt.Errorf("select workspace: %w", err)
	}
	return nil
}
