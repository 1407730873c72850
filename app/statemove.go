package app

import (
	"context"
	"fmt"

	"github.com/ferry-dev/ferry/state"
)

// StatePush copies the local state file (snapshot and journal) into the spec's backend, lineage and
// serial included, so that the next plan there has the same state. The destination must hold no
// state, or the same lineage at an older serial, unless force is set.
func StatePush(ctx context.Context, g *Globals, file string, force bool) int {
	dst, err := g.stateOnly()
	if err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	if _, ok := dst.(state.LocalBackend); ok {
		g.errorf(g.Stderr, "state push copies a local state file into the spec's shared backend, but this spec keeps its state in the local file %s; "+
			`declare ferry { backend "postgres" { … } } first (docs/state.md)`, dst.Where())
		return ExitError
	}
	return g.moveState(ctx, state.LocalBackend{Path: file}, dst, "ferry state push", force)
}

// StatePull copies the state of the spec's backend into a local state file, with nothing lost: the
// file then plans exactly as the backend does. The file must hold no state, or the same lineage at
// an older serial, unless force is set.
func StatePull(ctx context.Context, g *Globals, file string, force bool) int {
	src, err := g.stateOnly()
	if err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	if _, ok := src.(state.LocalBackend); ok {
		g.errorf(g.Stderr, "state pull copies the state of the spec's shared backend into a local file, but this spec keeps its state in the local file %s "+
			"already (copy it with cp, keeping its journal beside it)", src.Where())
		return ExitError
	}
	return g.moveState(ctx, src, state.LocalBackend{Path: file, Options: g.stateOpts}, "ferry state pull", force)
}

// moveState copies the state of src over dst, under both locks (src's first, so that no apply
// changes it meanwhile).
func (g *Globals) moveState(ctx context.Context, src, dst state.Backend, op string, force bool) int {
	_, exists, err := readState(ctx, src)
	if err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	if !exists {
		g.errorf(g.Stderr, "no state at %s: nothing to copy", src.Where())
		return ExitError
	}
	srcLocked, releaseSrc, err := g.lockedReader(ctx, src, op)
	if err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	defer releaseSrc()
	to, release, err := g.lockedState(ctx, dst, op)
	if err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	defer release()
	snap := srcLocked.Snapshot()
	if !to.IsNew() && !force {
		switch {
		case to.Lineage() != snap.Lineage && to.Len() > 0:
			g.errorf(g.Stderr, "%s holds another state (lineage %s, %d resource(s)), not a copy of %s (lineage %s); nothing was copied. "+
				"Replacing it would lose what it records: use another destination, or --force", dst.Where(), to.Lineage(), to.Len(), src.Where(), snap.Lineage)
			return ExitError
		case to.Lineage() == snap.Lineage && to.Serial() > snap.Serial:
			g.errorf(g.Stderr, "%s is newer (serial %d) than %s (serial %d); nothing was copied. Copy the other way, or use --force",
				dst.Where(), to.Serial(), src.Where(), snap.Serial)
			return ExitError
		}
	}
	if err := to.Overwrite(snap); err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	fmt.Fprintf(g.Stdout, "Copied the state of %s (%d resource(s), lineage %s) to %s.\n", src.Where(), len(snap.Resources), snap.Lineage, dst.Where())
	return ExitOK
}

// lockedReader opens src under its lock, for a consistent copy that no apply changes meanwhile.
func (g *Globals) lockedReader(ctx context.Context, src state.Backend, op string) (state.State, func(), error) {
	st, err := src.OpenLocked(ctx, op, g.LockTimeout)
	if err != nil {
		return nil, nil, err
	}
	return st, func() { _ = st.Close() }, nil
}
