package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ferry-dev/ferry/internal/pgtest"
	"github.com/ferry-dev/ferry/state"
)

// crashState is where a crash test's state lives: the local file in dir, or the PostgreSQL
// workspace "default" of a schema of the test's own.
type crashState struct {
	dir   string
	pg    *state.PGBackend
	admin *pgx.Conn
}

// eachBackend runs f with the state in a local file, then in PostgreSQL: the kill -9 bar holds on
// both. f calls setup once it has written the spec into dir.
func eachBackend(t *testing.T, f func(t *testing.T, setup func(dir string, env []string) (*crashState, []string))) {
	t.Run("local", func(t *testing.T) {
		f(t, func(dir string, env []string) (*crashState, []string) { return &crashState{dir: dir}, env })
	})
	t.Run("postgres", func(t *testing.T) {
		f(t, func(dir string, env []string) (*crashState, []string) { return pgCrashState(t, dir, env) })
	})
}

// pgCrashState gives the spec files in dir a postgres backend on a schema of the test's own and
// returns the environment that points ferry at the server.
func pgCrashState(t *testing.T, dir string, env []string) (*crashState, []string) {
	t.Helper()
	url, schema := pgtest.Schema(t)
	if err := withPGBackend(dir, schema); err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Close(context.Background()) })
	b := state.PGBackend{URL: url, Schema: schema, Workspace: "default"}
	return &crashState{dir: dir, pg: &b, admin: admin}, append(env, "FERRY_PG_URL="+url)
}

// records counts the journal's records: lines of the file, or rows of the workspace (0 before the
// tables exist).
func (c *crashState) records() int {
	if c.pg == nil {
		return countLines(filepath.Join(c.dir, "ferry.state.json.journal"))
	}
	var n int
	err := c.admin.QueryRow(context.Background(), `SELECT count(*) FROM `+pgx.Identifier{c.pg.Schema, "journal"}.Sanitize()+
		` WHERE workspace = $1`, c.pg.Workspace).Scan(&n)
	if err != nil {
		return 0
	}
	return n
}

// open reads the state as it is now.
func (c *crashState) open(t *testing.T) state.State {
	t.Helper()
	var b state.Backend = state.LocalBackend{Path: filepath.Join(c.dir, "ferry.state.json")}
	if c.pg != nil {
		b = *c.pg
	}
	st, err := b.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}
