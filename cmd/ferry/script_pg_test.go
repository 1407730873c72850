package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ferry-dev/ferry/internal/pgtest"
	"github.com/ferry-dev/ferry/state"
)

// TestScriptsPostgres runs every testdata/script/*.txtar again with the state in PostgreSQL: each
// script gets a schema of its own, and each spec directory of it a workspace (the spec files are
// given a backend "postgres" block at setup). Lines marked [!pg] are about the local state file;
// lines marked [pg] check the same thing in PostgreSQL.
func TestScriptsPostgres(t *testing.T) {
	url := pgtest.URL(t)
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("NO_COLOR", "1")
			env.Setenv("FERRY_SANDBOX", "")
			schema := "s_" + randomHex(6)
			env.Setenv("FERRY_PG_URL", url)
			env.Setenv("FERRY_TEST_BACKEND", "pg")
			env.Setenv("FERRY_TEST_PG_SCHEMA", schema)
			env.Defer(func() { dropSchema(url, schema) })
			return withPGBackend(env.WorkDir, schema)
		},
		Condition: func(cond string) (bool, error) {
			if cond == "pg" {
				return true, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: scriptCmds(),
	})
	// Scripts about the PostgreSQL backend itself: their specs declare it, on the script's schema.
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script_pg",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("NO_COLOR", "1")
			env.Setenv("FERRY_SANDBOX", "")
			schema := "s_" + randomHex(6)
			env.Setenv("FERRY_PG_URL", url)
			env.Setenv("FERRY_TEST_BACKEND", "pg")
			env.Setenv("FERRY_TEST_PG_SCHEMA", schema)
			env.Setenv("FERRY_VAR_pg_schema", schema)
			env.Defer(func() { dropSchema(url, schema) })
			return nil
		},
		Cmds: scriptCmds(),
	})
}

// specBlock finds the top-level blocks that make a file a spec (and not a variables file).
var specBlock = regexp.MustCompile(`(?m)^(ferry|subscription|skip_list|cutover|provider|variable|locals|import|notify)\b`)

// stateSetting is a ferry { state = … } line.
var stateSetting = regexp.MustCompile(`(?m)^  (state\s*=.*)$`)

// withPGBackend gives every spec file under work (*.hcl, and *.hcl.txt copied over specs by the
// scripts) a backend "postgres" block on schema, with the workspace of its directory: inside an
// existing ferry block, or appended as one (so that no line of the file moves).
func withPGBackend(work, schema string) error {
	return filepath.WalkDir(work, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".hcl") || strings.HasSuffix(path, ".hcl.txt")) {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil || !specBlock.Match(raw) {
			return err
		}
		rel, _ := filepath.Rel(work, filepath.Dir(path))
		block := fmt.Sprintf("  backend \"postgres\" {\n    schema    = %q\n    workspace = %q\n  }\n", schema, pgWorkspaceOf(rel))
		src := string(raw)
		if loc := regexp.MustCompile(`(?m)^ferry \{\n`).FindStringIndex(src); loc != nil {
			// A local state file setting gives way to the backend (commented out, so no line moves).
			rest := stateSetting.ReplaceAllString(src[loc[1]:], "  # $1 (the postgres backend keeps the state)")
			src = src[:loc[1]] + block + rest
		} else {
			if src != "" && !strings.HasSuffix(src, "\n") {
				src += "\n"
			}
			src += "\nferry {\n" + block + "}\n"
		}
		return os.WriteFile(path, []byte(src), 0o644)
	})
}

// pgWorkspaceOf is the workspace of a spec directory (relative to the script's work directory).
func pgWorkspaceOf(rel string) string {
	if rel == "." || rel == "" {
		return "default"
	}
	return strings.NewReplacer("/", ".", "\\", ".").Replace(rel)
}

// scriptBackend is the backend the script's state at the spec directory of file lives in: the
// local file, or under [pg] the directory's PostgreSQL workspace.
// workspace, when given, overrides the directory's.
func scriptBackend(ts *testscript.TestScript, file, workspace string) state.Backend {
	abs := ts.MkAbs(file)
	if ts.Getenv("FERRY_TEST_BACKEND") != "pg" {
		return state.LocalBackend{Path: abs}
	}
	if workspace == "" {
		rel, _ := filepath.Rel(ts.Getenv("WORK"), filepath.Dir(abs))
		workspace = pgWorkspaceOf(rel)
	}
	return state.PGBackend{URL: ts.Getenv("FERRY_PG_URL"), Schema: ts.Getenv("FERRY_TEST_PG_SCHEMA"), Workspace: workspace}
}

// statedump STATEFILE OUT: write the state that STATEFILE's directory keeps (the file, or its
// PostgreSQL workspace) as JSON to OUT, so that scripts check its content on either backend.
func cmdStateDump(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: statedump STATEFILE OUT")
	}
	st, err := scriptBackend(ts, args[0], "").Open(context.Background())
	ts.Check(err)
	raw, err := json.MarshalIndent(st.Snapshot(), "", "  ")
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), raw, 0o644))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func dropSchema(url, schema string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		return
	}
	defer c.Close(ctx)
	_, _ = c.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
}
