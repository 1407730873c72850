package app

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/ferry-dev/ferry/internal/atomicfile"
	"github.com/ferry-dev/ferry/notify"
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
	if err := g.moveSideFiles(src, dst); err != nil {
		g.errorf(g.Stderr, "the state of %s was copied to %s, but not what goes with it: %v", src.Where(), dst.Where(), err)
		return ExitError
	}
	fmt.Fprintf(g.Stdout, "Copied the state of %s (%d resource(s), lineage %s) to %s.\n", src.Where(), len(snap.Resources), snap.Lineage, dst.Where())
	return ExitOK
}

// moveSideFiles carries what goes with src's state but is kept beside it (sidePath) to dst's side:
// the notification outbox is merged into dst's (its replay is a union: an event queued or delivered
// on either side is never queued again, one queued and not delivered is sent by the next apply), and
// the run record of the last apply replaces dst's (it describes the state now in dst). Without them
// the first apply after a push or pull sent again the events already delivered (change_blocked) and
// forgot the undelivered ones. Both locks are held.
func (g *Globals) moveSideFiles(src, dst state.Backend) error {
	from, to := g.sidePath(src), g.sidePath(dst)
	if from == to {
		return nil
	}
	data, err := os.ReadFile(notify.OutboxPath(from))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("read the notification outbox: %w", err)
	default:
		if err := appendOutbox(notify.OutboxPath(to), data); err != nil {
			return err
		}
	}
	run, err := os.ReadFile(state.RunPath(from))
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("read the run record: %w", err)
	}
	if err := atomicfile.Write(state.RunPath(to), run, 0o600); err != nil {
		return fmt.Errorf("write the run record: %w", err)
	}
	return nil
}

// appendOutbox appends the lines of another outbox to the one at path (created if absent), on a line
// of their own, and syncs it.
func appendOutbox(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open the notification outbox: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			data = append([]byte("\n"), data...)
		}
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write the notification outbox: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync the notification outbox: %w", err)
	}
	return nil
}

// lockedReader opens src under its lock, for a consistent copy that no apply changes meanwhile.
func (g *Globals) lockedReader(ctx context.Context, src state.Backend, op string) (state.State, func(), error) {
	st, err := src.OpenLocked(ctx, op, g.LockTimeout)
	if err != nil {
		return nil, nil, err
	}
	return st, func() { _ = st.Close() }, nil
}
