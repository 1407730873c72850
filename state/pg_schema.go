package state

import (
	"context"
	"fmt"
	"hash/fnv"

	"github.com/jackc/pgx/v5"
)

// pgMigrations are the schema versions, in order: migration i brings a schema from version i to
// version i+1. Each is a list of statements run in the upgrade's one transaction; %[1]s is the
// quoted schema name. Never edit a migration once released: add the next one.
var pgMigrations = [][]string{
	{ // 1: states, journal, locks
		`CREATE TABLE %[1]s.states (
			workspace  text PRIMARY KEY,
			lineage    text NOT NULL,
			serial     bigint NOT NULL,
			snapshot   jsonb NOT NULL,
			created_at timestamptz NOT NULL DEFAULT now(),
			updated_at timestamptz NOT NULL DEFAULT now()
		)`,
		`CREATE TABLE %[1]s.journal (
			workspace text NOT NULL,
			serial    bigint NOT NULL,
			record    jsonb NOT NULL,
			checksum  bigint NOT NULL,
			PRIMARY KEY (workspace, serial)
		)`,
		`CREATE TABLE %[1]s.locks (
			workspace   text PRIMARY KEY,
			fence       bigint NOT NULL,
			pid         integer,
			username    text,
			host        text,
			operation   text,
			since       timestamptz,
			backend_pid integer
		)`,
	},
}

// PGSchemaVersion is the version of the tables this ferry creates and reads.
func PGSchemaVersion() int { return len(pgMigrations) }

// pgMigrate creates the schema and its tables, or upgrades them to PGSchemaVersion, in one
// transaction under a transaction-level advisory lock (two ferries starting at once do not both
// create them). A schema of a newer version is refused.
func pgMigrate(ctx context.Context, conn *pgx.Conn, schema string) error {
	q := pgx.Identifier{schema}.Sanitize()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("migrate schema %s: %w", schema, err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	stmts := []string{
		`SELECT pg_advisory_xact_lock(` + fmt.Sprint(advisoryKey("migrate", schema, "")) + `)`,
		`CREATE SCHEMA IF NOT EXISTS ` + q,
		`CREATE TABLE IF NOT EXISTS ` + q + `.schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
	}
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, s); err != nil {
			return fmt.Errorf("migrate schema %s: %w", schema, err)
		}
	}
	var v int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM `+q+`.schema_version`).Scan(&v); err != nil {
		return fmt.Errorf("migrate schema %s: %w", schema, err)
	}
	if v > len(pgMigrations) {
		return newerSchemaError(schema, v)
	}
	if v == len(pgMigrations) {
		return nil // the transaction only read; rolled back
	}
	for i := v; i < len(pgMigrations); i++ {
		for _, s := range pgMigrations[i] {
			if _, err := tx.Exec(ctx, fmt.Sprintf(s, q)); err != nil {
				return fmt.Errorf("migrate schema %s to version %d: %w", schema, i+1, err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO `+q+`.schema_version (version) VALUES ($1)`, i+1); err != nil {
			return fmt.Errorf("migrate schema %s to version %d: %w", schema, i+1, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("migrate schema %s: %w", schema, err)
	}
	return nil
}

// pgSchemaState reports, without changing anything, whether schema holds ferry's tables and at
// which version (0: not created yet).
func pgSchemaState(ctx context.Context, conn *pgx.Conn, schema string) (int, error) {
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, pgx.Identifier{schema, "schema_version"}.Sanitize()).Scan(&exists); err != nil {
		return 0, fmt.Errorf("read schema %s: %w", schema, err)
	}
	if !exists {
		return 0, nil
	}
	var v int
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM `+pgx.Identifier{schema}.Sanitize()+`.schema_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema %s: %w", schema, err)
	}
	if v > len(pgMigrations) {
		return v, newerSchemaError(schema, v)
	}
	return v, nil
}

func newerSchemaError(schema string, v int) error {
	return fmt.Errorf("PostgreSQL schema %s holds ferry tables of version %d, but this ferry knows only up to version %d; upgrade ferry: %w",
		schema, v, len(pgMigrations), ErrNewerFormat)
}

// advisoryKey is the 64-bit key of a PostgreSQL advisory lock: FNV-1a of what it locks. Keys are
// database-wide, so the schema is part of them.
func advisoryKey(kind, schema, workspace string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("ferry\x00" + kind + "\x00" + schema + "\x00" + workspace))
	return int64(h.Sum64())
}
