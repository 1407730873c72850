package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// ErrWorkspaceExists and ErrNoWorkspace are wrapped by the errors of CreateWorkspace and
// DeleteWorkspace.
var (
	ErrWorkspaceExists = errors.New("workspace exists")
	ErrNoWorkspace     = errors.New("no such workspace")
)

// workspaceError is an error of CreateWorkspace or DeleteWorkspace that is kind (errors.Is) without
// repeating kind's words after its own ("… already exists in schema ferry: workspace exists").
type workspaceError struct {
	msg  string
	kind error
}

func (e *workspaceError) Error() string        { return e.msg }
func (e *workspaceError) Is(target error) bool { return target == e.kind }

// WorkspaceInfo describes one workspace of a PostgreSQL backend.
type WorkspaceInfo struct {
	// Name is the workspace's name.
	Name string `json:"name"`
	// Serial is the serial of its snapshot row (journal rows not counted).
	Serial uint64 `json:"serial"`
	// Resources counts the resources of its snapshot row (journal rows not counted).
	Resources int `json:"resources"`
	// Updated is when its snapshot row was last written.
	Updated time.Time `json:"updated"`
}

// Workspaces lists the workspaces that have a state, by name. Nothing is created: a schema that does
// not exist yet has none.
func (b PGBackend) Workspaces(ctx context.Context) ([]WorkspaceInfo, error) {
	conn, err := b.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if v, err := pgSchemaState(ctx, conn, b.Schema); err != nil || v == 0 {
		return nil, err
	}
	rows, err := conn.Query(ctx, `SELECT workspace, serial, (SELECT count(*) FROM jsonb_object_keys(coalesce(snapshot->'resources', '{}'::jsonb))), updated_at
		FROM `+b.table("states")+` ORDER BY workspace`)
	if err != nil {
		return nil, fmt.Errorf("list the workspaces of schema %s: %w", b.Schema, err)
	}
	defer rows.Close()
	var out []WorkspaceInfo
	for rows.Next() {
		var (
			w      WorkspaceInfo
			serial int64
		)
		if err := rows.Scan(&w.Name, &serial, &w.Resources, &w.Updated); err != nil {
			return nil, fmt.Errorf("list the workspaces of schema %s: %w", b.Schema, err)
		}
		w.Serial, w.Updated = uint64(serial), w.Updated.UTC()
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list the workspaces of schema %s: %w", b.Schema, err)
	}
	return out, nil
}

// CreateWorkspace creates b.Workspace with an empty state and a new lineage, under its lock (so
// that it cannot race an apply that is creating it). It fails with ErrWorkspaceExists when it has a
// state already.
func (b PGBackend) CreateWorkspace(ctx context.Context) error {
	st, err := b.OpenLocked(ctx, "ferry workspace new", 0)
	if err != nil {
		return err
	}
	s := st.(*PGStore)
	defer s.Close()
	if !s.IsNew() {
		return &workspaceError{msg: fmt.Sprintf("workspace %q already exists in schema %s", b.Workspace, b.Schema), kind: ErrWorkspaceExists}
	}
	lineage := uuid.NewString()
	empty, err := json.Marshal(Snapshot{Version: FormatVersion, Lineage: lineage, Serial: 0, Resources: map[string]*Resource{}})
	if err != nil {
		return err
	}
	if _, err := s.conn.Exec(ctx, `INSERT INTO `+b.table("states")+` (workspace, lineage, serial, snapshot) VALUES ($1, $2, 0, $3::jsonb)`,
		b.Workspace, lineage, string(empty)); err != nil {
		return fmt.Errorf("create workspace %q: %w", b.Workspace, err)
	}
	return nil
}

// DeleteWorkspace deletes b.Workspace's state (snapshot, journal and lock rows) in one transaction,
// under its lock: a workspace an apply holds is refused naming the holder. A workspace whose state
// still holds resources is refused unless force is set: its records are what makes a re-apply a
// resume.
func (b PGBackend) DeleteWorkspace(ctx context.Context, force bool) error {
	st, err := b.OpenLocked(ctx, "ferry workspace delete", 0)
	if err != nil {
		return err
	}
	s := st.(*PGStore)
	defer s.Close()
	if s.IsNew() {
		return &workspaceError{msg: fmt.Sprintf("schema %s has no workspace %q", b.Schema, b.Workspace), kind: ErrNoWorkspace}
	}
	if n := s.Len(); n > 0 && !force {
		return fmt.Errorf("workspace %q holds %d resource(s); deleting it forgets what ferry did and was doing there (nothing remote is touched). "+
			"Move them first (ferry state pull FILE), or delete it anyway with --force", b.Workspace, n)
	}
	tx, err := s.conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("delete workspace %q: %w", b.Workspace, err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	for _, q := range []string{`DELETE FROM ` + b.table("journal") + ` WHERE workspace = $1`, `DELETE FROM ` + b.table("states") + ` WHERE workspace = $1`} {
		if _, err := tx.Exec(ctx, q, b.Workspace); err != nil {
			return fmt.Errorf("delete workspace %q: %w", b.Workspace, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("delete workspace %q: %w", b.Workspace, err)
	}
	s.mu.Lock()
	s.exists, s.res = false, map[string]*Resource{}
	s.mu.Unlock()
	return nil
}
