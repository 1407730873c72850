package state

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// PGBackend keeps states in PostgreSQL: one state per workspace, in tables of Schema that ferry
// creates and migrates itself (see docs/state.md). The lock is a session-level advisory lock per
// workspace, its holder recorded in the locks table, and a fencing token that every journal write
// checks in its own transaction.
type PGBackend struct {
	// URL is the connection string (from the environment, never the spec).
	URL string
	// Schema holds ferry's tables (default "ferry").
	Schema string
	// Workspace names the state (default "default").
	Workspace string
}

// Defaults of the postgres backend block.
const (
	DefaultPGSchema    = "ferry"
	DefaultPGWorkspace = "default"
)

// pgWriteTimeout bounds one journal write, compaction or unlock: a server that does not answer
// fails the write (and so stops the apply) rather than hanging it.
const pgWriteTimeout = time.Minute

var (
	pgSchemaRE    = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
	pgWorkspaceRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$`)
)

// CheckPGName reports what is wrong with a schema or workspace name, or nil.
func CheckPGName(what, name string) error {
	switch what {
	case "schema":
		if !pgSchemaRE.MatchString(name) {
			return fmt.Errorf("schema %q: want lower-case letters, digits and underscores, starting with a letter or underscore (at most 63)", name)
		}
		if strings.HasPrefix(name, "pg_") || name == "information_schema" {
			// PostgreSQL reserves pg_* (CREATE SCHEMA refuses it) and keeps its catalog views in
			// information_schema: ferry's tables belong in neither.
			return fmt.Errorf("schema %q is reserved by PostgreSQL (pg_… and information_schema); choose another, e.g. ferry", name)
		}
	default:
		if !pgWorkspaceRE.MatchString(name) {
			return fmt.Errorf("workspace %q: want letters, digits, '-', '_' and '.', starting with a letter or digit (at most 100)", name)
		}
	}
	return nil
}

// Where names the workspace and schema.
func (b PGBackend) Where() string {
	return fmt.Sprintf("PostgreSQL workspace %q (schema %s)", b.Workspace, b.Schema)
}

func (b PGBackend) check() error {
	if b.URL == "" {
		return errors.New("the postgres backend has no connection string (set the variable its conn_str_env names)")
	}
	if err := CheckPGName("schema", b.Schema); err != nil {
		return err
	}
	return CheckPGName("workspace", b.Workspace)
}

// connect opens one connection, named "ferry" on the server, with a 15 s connect timeout unless the
// URL sets one.
func (b PGBackend) connect(ctx context.Context) (*pgx.Conn, error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	cfg, err := pgx.ParseConfig(b.URL)
	if err != nil {
		// The parse error may quote the string, password included: say only what is wrong with it.
		return nil, errors.New("the postgres backend's connection string cannot be parsed (want postgres://user@host:port/db?… or key=value pairs)")
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 15 * time.Second
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "ferry"
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL for %s: %w", b.Where(), err)
	}
	return conn, nil
}

// Open reads the workspace's state without the lock and closes the connection: the result is a
// read-only copy (plan, show). Nothing is created: a schema or workspace that does not exist yet
// opens as a new, empty state.
func (b PGBackend) Open(ctx context.Context) (State, error) {
	conn, err := b.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	v, err := pgSchemaState(ctx, conn, b.Schema)
	if err != nil {
		return nil, err
	}
	s := newPGStore(b)
	if v == 0 {
		return s, nil
	}
	if v < len(pgMigrations) {
		if err := pgMigrate(ctx, conn, b.Schema); err != nil {
			return nil, err
		}
	}
	if err := s.load(ctx, conn); err != nil {
		return nil, err
	}
	return s, nil
}

// OpenLocked creates or upgrades the tables, takes the workspace's advisory lock on a connection of
// its own (waiting up to timeout), records the holder and takes the next fencing token, then loads
// the state. The connection stays open: every journal write goes through it, and losing it loses
// the lock, after which the store refuses to write.
func (b PGBackend) OpenLocked(ctx context.Context, operation string, timeout time.Duration) (State, error) {
	conn, err := b.connect(ctx)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (State, error) {
		_ = conn.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	// Only an absent or older schema is migrated: a user without the right to create schemas can use
	// tables an administrator's ferry created.
	v, err := pgSchemaState(ctx, conn, b.Schema)
	if err != nil {
		return fail(err)
	}
	if v < len(pgMigrations) {
		if err := pgMigrate(ctx, conn, b.Schema); err != nil {
			return fail(err)
		}
	}
	key := advisoryKey("workspace", b.Schema, b.Workspace)
	if err := pgTryLock(ctx, conn, b, key, timeout); err != nil {
		return fail(err)
	}
	serverKeepalives(ctx, conn)
	info := newLockInfo(operation)
	var fence int64
	err = conn.QueryRow(ctx, `INSERT INTO `+b.table("locks")+` (workspace, fence, pid, username, host, operation, since, backend_pid)
		VALUES ($1, 1, $2, $3, $4, $5, $6, pg_backend_pid())
		ON CONFLICT (workspace) DO UPDATE SET fence = `+b.table("locks")+`.fence + 1, pid = excluded.pid, username = excluded.username,
			host = excluded.host, operation = excluded.operation, since = excluded.since, backend_pid = excluded.backend_pid
		RETURNING fence`, b.Workspace, info.PID, info.User, info.Host, info.Operation, info.Since).Scan(&fence)
	if err != nil {
		return fail(fmt.Errorf("record the lock holder of %s: %w", b.Where(), err))
	}
	s := newPGStore(b)
	s.conn, s.fence, s.lockKey, s.locked = conn, fence, key, true
	if err := s.load(ctx, conn); err != nil {
		s.unlock()
		return nil, err
	}
	return s, nil
}

// serverKeepalives makes the server probe the connection that holds the lock: a runner that vanishes
// without closing it (a VM powered off, a network cut) would otherwise keep the session — and the
// workspace locked — until the server's TCP keepalives notice, two hours and more with the usual
// system defaults. With these the lock is released about a minute after its holder is gone
// (30 s idle, then 3 probes 10 s apart). Ignored on a Unix socket, and when the server refuses them.
func serverKeepalives(ctx context.Context, conn *pgx.Conn) {
	_, _ = conn.Exec(ctx, `SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; SET tcp_keepalives_count = 3`)
}

// table returns the quoted name of one of ferry's tables in the backend's schema.
func (b PGBackend) table(name string) string { return pgx.Identifier{b.Schema, name}.Sanitize() }

// pgTryLock takes the session-level advisory lock key on conn, trying again every 200 ms until
// timeout; a lock still held then is a *LockedError with the holder the locks table records.
func pgTryLock(ctx context.Context, conn *pgx.Conn, b PGBackend, key int64, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		var ok bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok); err != nil {
			return fmt.Errorf("lock %s: %w", b.Where(), err)
		}
		if ok {
			return nil
		}
		if !time.Now().Before(deadline) {
			holder := pgHolder(ctx, conn, b)
			if !holderGone(holder) || time.Since(deadline) > deadHolderGrace {
				return &LockedError{Path: b.Where(), Holder: holder, Waited: timeout}
			}
			// The holder was a ferry on this machine that is gone (kill -9): PostgreSQL releases its
			// session lock once its backend has seen the connection close, a moment later.
		}
		select {
		case <-ctx.Done():
			return &LockedError{Path: b.Where(), Holder: pgHolder(ctx, conn, b), Waited: timeout}
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// deadHolderGrace is how long a lock whose recorded holder is a process of this machine that no
// longer exists is waited for beyond --lock-timeout: the time PostgreSQL takes to end the killed
// process's session (and with it the lock).
const deadHolderGrace = 5 * time.Second

// holderGone reports whether the recorded holder of a lock is a process of this machine that no
// longer exists.
func holderGone(h *LockInfo) bool {
	if h == nil || h.PID <= 0 {
		return false
	}
	if host, err := os.Hostname(); err != nil || host != h.Host {
		return false
	}
	return errors.Is(syscall.Kill(h.PID, 0), syscall.ESRCH)
}

// pgHolder reads who holds the lock of b's workspace from the locks table; nil when it does not say.
func pgHolder(ctx context.Context, conn *pgx.Conn, b PGBackend) *LockInfo {
	var (
		pid                   *int32
		user, host, operation *string
		since                 *time.Time
	)
	err := conn.QueryRow(context.WithoutCancel(ctx), `SELECT pid, username, host, operation, since FROM `+b.table("locks")+` WHERE workspace = $1`,
		b.Workspace).Scan(&pid, &user, &host, &operation, &since)
	if err != nil || pid == nil {
		return nil
	}
	info := &LockInfo{PID: int(*pid)}
	if user != nil {
		info.User = *user
	}
	if host != nil {
		info.Host = *host
	}
	if operation != nil {
		info.Operation = *operation
	}
	if since != nil {
		info.Since = since.UTC()
	}
	return info
}

// ErrLockLost is wrapped by the error of every write after the PostgreSQL lock was lost: the
// connection that held it dropped, or another ferry took the workspace over (its fencing token is
// newer than ours).
var ErrLockLost = errors.New("state lock lost")

// PGStore is a state kept in a PostgreSQL workspace: the snapshot row with the journal rows replayed,
// indexed by address in memory. Records are written like the local journal's — validated and
// applied in memory, then made durable before the call returns — with concurrent writers sharing
// one statement (group commit), each write checking the fencing token in its own transaction.
type PGStore struct {
	b   PGBackend
	now func() time.Time

	// syncMu is held by the one goroutine writing (or compacting); taken before mu, never after.
	syncMu sync.Mutex
	// conn is the locked session (nil when opened without the lock, or closed). Guarded by syncMu.
	conn *pgx.Conn
	// locked is set once, before the store is shared: it was opened with the lock (writable).
	locked  bool
	fence   int64
	lockKey int64

	memory
	exists  bool        // the workspace's row exists (its lineage is durable)
	pending []pgPending // records not yet written
	durable uint64
	err     error // sticky: set when a write failed or the lock was lost
}

// pgPending is one journal row waiting to be written.
type pgPending struct {
	serial   uint64
	record   string
	checksum uint32
}

func newPGStore(b PGBackend) *PGStore {
	return &PGStore{b: b, now: func() time.Time { return time.Now().UTC() }, memory: memory{res: make(map[string]*Resource), lineage: uuid.NewString()}}
}

// load reads the workspace's snapshot row and replays its journal rows, in one repeatable-read
// transaction. Every row's checksum is verified; serials must follow each other.
func (s *PGStore) load(ctx context.Context, conn *pgx.Conn) error {
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("read %s: %w", s.b.Where(), err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	var (
		lineage string
		serial  int64
		data    []byte
	)
	err = tx.QueryRow(ctx, `SELECT lineage, serial, snapshot::text FROM `+s.b.table("states")+` WHERE workspace = $1`, s.b.Workspace).
		Scan(&lineage, &serial, &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // a new workspace
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", s.b.Where(), err)
	}
	snap, err := decodeSnapshot(s.b.Where(), data)
	if err != nil {
		return err
	}
	if snap.Lineage != lineage || snap.Serial != uint64(serial) {
		return fmt.Errorf("%s: the snapshot says lineage %s serial %d, its row lineage %s serial %d; the row was edited by hand",
			s.b.Where(), snap.Lineage, snap.Serial, lineage, serial)
	}
	s.lineage, s.serial, s.res, s.exists = snap.Lineage, snap.Serial, snap.Resources, true
	rows, err := tx.Query(ctx, `SELECT serial, record::text, checksum FROM `+s.b.table("journal")+` WHERE workspace = $1 AND serial > $2 ORDER BY serial`,
		s.b.Workspace, serial)
	if err != nil {
		return fmt.Errorf("read the journal of %s: %w", s.b.Where(), err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			n   int64
			raw []byte
			sum int64
		)
		if err := rows.Scan(&n, &raw, &sum); err != nil {
			return fmt.Errorf("read the journal of %s: %w", s.b.Where(), err)
		}
		r, err := decodePGRecord(raw, uint32(sum))
		if err != nil {
			return fmt.Errorf("journal of %s: serial %d: %w (see docs/state.md, Recovery)", s.b.Where(), n, err)
		}
		if r.Serial != uint64(n) || r.Serial != s.serial+1 {
			return fmt.Errorf("journal of %s: serial %d (record says %d) does not follow serial %d", s.b.Where(), n, r.Serial, s.serial)
		}
		if err := applyRecord(s.res, r); err != nil {
			return fmt.Errorf("journal of %s: serial %d: %w", s.b.Where(), n, err)
		}
		s.serial = r.Serial
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the journal of %s: %w", s.b.Where(), err)
	}
	s.durable = s.serial
	return nil
}

// encodePGRecord renders r as the JSON stored in a journal row and its CRC-32C (Castagnoli).
// PostgreSQL's jsonb cannot hold U+0000, so an escaped NUL in a string becomes U+FFFD first.
func encodePGRecord(r *record) (string, uint32, error) {
	payload, err := json.Marshal(r)
	if err != nil {
		return "", 0, fmt.Errorf("encode journal record: %w", err)
	}
	if clean, changed := replaceJSONNul(payload); changed {
		var c record
		if err := json.Unmarshal(clean, &c); err != nil {
			return "", 0, fmt.Errorf("encode journal record: %w", err)
		}
		if payload, err = json.Marshal(&c); err != nil {
			return "", 0, fmt.Errorf("encode journal record: %w", err)
		}
	}
	return string(payload), crc32.Checksum(payload, crcTable), nil
}

// decodePGRecord parses a journal row's record (as PostgreSQL prints the jsonb) and checks it
// against its checksum: the record is encoded again the way encodePGRecord did, which gives the
// same bytes whatever key order and spacing jsonb printed.
func decodePGRecord(raw []byte, sum uint32) (*record, error) {
	var r record
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("decode record: %w", err)
	}
	again, err := json.Marshal(&r)
	if err != nil {
		return nil, fmt.Errorf("decode record: %w", err)
	}
	if crc32.Checksum(again, crcTable) != sum {
		return nil, errChecksum
	}
	return &r, nil
}

// replaceJSONNul replaces every \u0000 escape in the strings of a JSON document by \ufffd, keeping
// escaped backslashes as they are.
func replaceJSONNul(b []byte) ([]byte, bool) {
	if !bytes.Contains(b, []byte(`\u0000`)) {
		return b, false
	}
	out := make([]byte, 0, len(b))
	changed := false
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			out = append(out, b[i])
			continue
		}
		if b[i+1] == 'u' && i+6 <= len(b) && string(b[i+2:i+6]) == "0000" {
			out = append(out, `\ufffd`...)
			i += 5
			changed = true
			continue
		}
		out = append(out, b[i], b[i+1])
		i++
	}
	return out, changed
}

// IsNew reports whether the workspace has no row yet (its lineage is not durable).
func (s *PGStore) IsNew() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.exists
}

// Snapshot returns a deep copy of the whole state.
func (s *PGStore) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	res := make(map[string]*Resource, len(s.res))
	for a, r := range s.res {
		res[a] = r.Clone()
	}
	return Snapshot{Version: FormatVersion, Lineage: s.lineage, Serial: s.serial, Resources: res}
}

// Err returns the error that made the store refuse further records, or nil.
func (s *PGStore) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Intent journals a step's intent; see Store.Intent.
func (s *PGStore) Intent(addr, kind, provider, step string, attempt int, key string) error {
	return s.IntentWithIDs(addr, kind, provider, step, attempt, key, nil)
}

// IntentWithIDs journals a step's intent with the remote IDs it sends; see Store.IntentWithIDs.
func (s *PGStore) IntentWithIDs(addr, kind, provider, step string, attempt int, key string, remoteIDs map[string]string) error {
	return s.append(&record{Op: opIntent, Addr: addr, Kind: kind, Provider: provider, Step: step, Attempt: attempt, Key: key, RemoteIDs: remoteIDs})
}

// Progress journals remote IDs a running step reported; see Store.Progress.
func (s *PGStore) Progress(addr, step string, remoteIDs map[string]string) error {
	return s.append(&record{Op: opProgress, Addr: addr, Step: step, RemoteIDs: remoteIDs})
}

// Outcome journals the end of a step; see Store.Outcome.
func (s *PGStore) Outcome(addr, step string, o StepOutcome) error {
	return s.append(&record{
		Op: opOutcome, Addr: addr, Step: step, Kind: o.Kind, Provider: o.Provider, Attempt: o.Attempt, Key: o.Key,
		Failed: o.Failed, Error: o.Error, RemoteIDs: o.RemoteIDs, Attributes: o.Attributes, Status: o.Status,
		Final: finalEntry(o),
	})
}

// Put inserts or replaces one resource.
func (s *PGStore) Put(r *Resource) error {
	if r == nil {
		return fmt.Errorf("put resource: nil resource")
	}
	c := r.Clone()
	return s.append(&record{Op: opPut, Addr: c.Addr, Resource: c})
}

// Remove forgets one resource.
func (s *PGStore) Remove(addr string) error { return s.append(&record{Op: opRemove, Addr: addr}) }

// Move renames a resource.
func (s *PGStore) Move(from, to string) error {
	return s.append(&record{Op: opMove, Addr: from, To: to})
}

// append validates r, applies it in memory, queues its row and waits until the row is committed.
func (s *PGStore) append(r *record) error {
	s.mu.Lock()
	if s.err != nil {
		err := s.err
		s.mu.Unlock()
		return err
	}
	if !s.locked {
		s.mu.Unlock()
		return fmt.Errorf("state %s: %s was opened without its lock, read-only", r.Op, s.b.Where())
	}
	if err := checkRecord(s.res, r); err != nil {
		s.mu.Unlock()
		return fmt.Errorf("state %s: %w", r.Op, err)
	}
	r.Serial = s.serial + 1
	r.Time = s.now()
	payload, sum, err := encodePGRecord(r)
	if err == nil {
		err = applyRecord(s.res, r)
	}
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("state %s: %w", r.Op, err)
	}
	s.serial = r.Serial
	s.pending = append(s.pending, pgPending{serial: r.Serial, record: payload, checksum: sum})
	s.mu.Unlock()
	return s.waitDurable(r.Serial)
}

// waitDurable returns once the row of serial my is committed, writing it (and every other queued
// row) itself if nobody else has: writers arriving while a write is under way share the next one.
func (s *PGStore) waitDurable(my uint64) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	done, err := s.durable >= my, s.err
	s.mu.Unlock()
	if done {
		return nil
	}
	if err != nil {
		return err
	}
	return s.flushLocked()
}

// flushLocked writes every queued row in one statement (one round trip). s.syncMu must be held.
func (s *PGStore) flushLocked() error {
	s.mu.Lock()
	if s.err != nil {
		err := s.err
		s.mu.Unlock()
		return err
	}
	batch, top, create := s.pending, s.serial, !s.exists
	lineage := s.lineage
	s.pending = nil
	s.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := errors.New("the state was closed")
	if s.conn != nil {
		err = s.writeRows(batch, create, lineage)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.err = err
		return err
	}
	s.durable, s.exists = top, true
	return nil
}

// journalInsert inserts the rows given as arrays, only while the locks row still holds our fencing
// token; FOR SHARE makes a takeover (which updates that row) wait for this statement's commit, so
// every row is committed before a takeover or refused after it.
const journalInsert = `WITH f AS (SELECT 1 FROM %[1]s WHERE workspace = $1 AND fence = $2 FOR SHARE)
INSERT INTO %[2]s (workspace, serial, record, checksum)
SELECT $1, u.serial, u.record::jsonb, u.checksum FROM f, unnest($3::bigint[], $4::text[], $5::bigint[]) AS u(serial, record, checksum)`

// writeRows commits rows; with create, the workspace's row (an empty snapshot carrying the lineage)
// is inserted by the same transaction.
func (s *PGStore) writeRows(rows []pgPending, create bool, lineage string) error {
	ctx, cancel := context.WithTimeout(context.Background(), pgWriteTimeout)
	defer cancel()
	serials := make([]int64, len(rows))
	recs := make([]string, len(rows))
	sums := make([]int64, len(rows))
	for i, r := range rows {
		serials[i], recs[i], sums[i] = int64(r.serial), r.record, int64(r.checksum)
	}
	insert := fmt.Sprintf(journalInsert, s.b.table("locks"), s.b.table("journal"))
	var n int64
	if !create {
		tag, err := s.conn.Exec(ctx, insert, s.b.Workspace, s.fence, serials, recs, sums)
		if err != nil {
			return s.lost(ctx, err)
		}
		n = tag.RowsAffected()
	} else {
		base := rows[0].serial - 1
		empty, err := json.Marshal(Snapshot{Version: FormatVersion, Lineage: lineage, Serial: base, Resources: map[string]*Resource{}})
		if err != nil {
			return fmt.Errorf("encode state snapshot: %w", err)
		}
		tx, err := s.conn.Begin(ctx)
		if err != nil {
			return s.lost(ctx, err)
		}
		defer func() { _ = tx.Rollback(ctx) }()
		if _, err := tx.Exec(ctx, `INSERT INTO `+s.b.table("states")+` (workspace, lineage, serial, snapshot) VALUES ($1, $2, $3, $4::jsonb)`,
			s.b.Workspace, lineage, int64(base), string(empty)); err != nil {
			return s.lost(ctx, err)
		}
		tag, err := tx.Exec(ctx, insert, s.b.Workspace, s.fence, serials, recs, sums)
		if err != nil {
			return s.lost(ctx, err)
		}
		if n = tag.RowsAffected(); n == int64(len(rows)) {
			if err := tx.Commit(ctx); err != nil {
				return s.lost(ctx, err)
			}
		}
	}
	if n != int64(len(rows)) {
		return s.fenced(ctx)
	}
	return nil
}

// lost is the error of a write that failed: the connection (and with it the lock) is gone or the
// server refused it. Nothing more is written or sent.
func (s *PGStore) lost(ctx context.Context, err error) error {
	if s.conn.IsClosed() {
		return fmt.Errorf("the PostgreSQL connection holding the lock of %s was lost (%w), and with it the lock; ferry stops recording and sends "+
			"nothing more. Run ferry apply again: it reconciles the steps in flight by their keys: %w", s.b.Where(), err, ErrLockLost)
	}
	return fmt.Errorf("write to %s: %w", s.b.Where(), err)
}

// fenced is the error of a write refused because another ferry took the workspace's lock over.
func (s *PGStore) fenced(ctx context.Context) error {
	who := "another ferry"
	if h := pgHolder(ctx, s.conn, s.b); h != nil {
		who = describeHolder(h)
	}
	return fmt.Errorf("the lock of %s was taken over by %s (its fencing token is newer than ours, %d): this ferry stops recording and sends "+
		"nothing more. The apply that holds the lock now reconciles the steps in flight by their keys: %w", s.b.Where(), who, s.fence, ErrLockLost)
}

// describeHolder says who holds a lock, as LockedError does: "pid 4242 (ferry apply, user ci) on
// host ci-3 since 2026-11-21T12:00:00Z".
func describeHolder(h *LockInfo) string {
	msg := (&LockedError{Holder: h}).Error()
	msg = strings.TrimPrefix(msg, "state is locked by ")
	msg, _, _ = strings.Cut(msg, "; retry later")
	return msg
}

// Compact folds the journal into a new snapshot row in one transaction (snapshot replaced, journal
// rows deleted), checking the fencing token in the same transaction.
func (s *PGStore) Compact() error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if s.conn == nil {
		return fmt.Errorf("compact %s: opened without its lock, read-only", s.b.Where())
	}
	next := s.serial + 1
	if err := s.replaceLocked(next); err != nil {
		return fmt.Errorf("compact state: %w", err)
	}
	s.serial, s.durable, s.pending, s.exists = next, next, nil, true
	return nil
}

// Overwrite replaces the workspace's state by snap in one transaction (state push/pull); the serial
// is snap's, or one above this state's when that is not higher.
func (s *PGStore) Overwrite(snap Snapshot) error {
	if snap.Lineage == "" {
		return fmt.Errorf("overwrite %s: the new state has no lineage", s.b.Where())
	}
	res := make(map[string]*Resource, len(snap.Resources))
	for a, r := range snap.Resources {
		if err := validResource(a, r); err != nil {
			return fmt.Errorf("overwrite %s: %w", s.b.Where(), err)
		}
		res[a] = r.Clone()
	}
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if s.conn == nil {
		return fmt.Errorf("overwrite %s: opened without its lock, read-only", s.b.Where())
	}
	serial := snap.Serial
	if serial <= s.serial {
		serial = s.serial + 1
	}
	oldLineage, oldRes := s.lineage, s.res
	s.lineage, s.res = snap.Lineage, res
	if err := s.replaceLocked(serial); err != nil {
		s.lineage, s.res = oldLineage, oldRes
		return fmt.Errorf("overwrite state: %w", err)
	}
	s.serial, s.durable, s.pending, s.exists = serial, serial, nil, true
	return nil
}

// replaceLocked writes the in-memory state as the snapshot row of serial and deletes the journal
// rows it holds, in one transaction that first checks the fencing token. s.syncMu and s.mu held.
func (s *PGStore) replaceLocked(serial uint64) error {
	snap := Snapshot{Version: FormatVersion, Lineage: s.lineage, Serial: serial, Resources: s.res}
	data, err := json.Marshal(&snap)
	if err != nil {
		return fmt.Errorf("encode state snapshot: %w", err)
	}
	data, _ = replaceJSONNul(data)
	ctx, cancel := context.WithTimeout(context.Background(), pgWriteTimeout)
	defer cancel()
	tx, err := s.conn.Begin(ctx)
	if err != nil {
		return s.stick(s.lost(ctx, err))
	}
	defer func() { _ = tx.Rollback(ctx) }()
	var fence int64
	err = tx.QueryRow(ctx, `SELECT fence FROM `+s.b.table("locks")+` WHERE workspace = $1 FOR SHARE`, s.b.Workspace).Scan(&fence)
	if err != nil {
		return s.stick(s.lost(ctx, err))
	}
	if fence != s.fence {
		return s.stick(s.fenced(ctx))
	}
	if _, err := tx.Exec(ctx, `INSERT INTO `+s.b.table("states")+` (workspace, lineage, serial, snapshot) VALUES ($1, $2, $3, $4::jsonb)
		ON CONFLICT (workspace) DO UPDATE SET lineage = excluded.lineage, serial = excluded.serial, snapshot = excluded.snapshot, updated_at = now()`,
		s.b.Workspace, s.lineage, int64(serial), string(data)); err != nil {
		return s.lost(ctx, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM `+s.b.table("journal")+` WHERE workspace = $1`, s.b.Workspace); err != nil {
		return s.lost(ctx, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return s.stick(s.lost(ctx, err))
	}
	return nil
}

// stick makes err the store's sticky error when it says the lock is lost. s.mu must be held.
func (s *PGStore) stick(err error) error {
	if errors.Is(err, ErrLockLost) {
		s.err = err
	}
	return err
}

// CheckWritable checks, before anything is sent, that the lock is still ours and the tables can be
// written (the connection user may insert into the journal).
// Warnings returns nothing: PostgreSQL checks each journal row's checksum when it is read, and a
// bad one is an error, not a warning.
func (s *PGStore) Warnings() []string { return nil }

func (s *PGStore) CheckWritable() error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	if s.conn == nil {
		return fmt.Errorf("%s was opened without its lock, read-only", s.b.Where())
	}
	ctx, cancel := context.WithTimeout(context.Background(), pgWriteTimeout)
	defer cancel()
	var fence int64
	var canWrite bool
	err := s.conn.QueryRow(ctx, `SELECT fence, has_table_privilege($2, 'INSERT') AND has_table_privilege($3, 'INSERT,UPDATE,DELETE')
		FROM `+s.b.table("locks")+` WHERE workspace = $1`, s.b.Workspace, s.b.table("journal"), s.b.table("states")).Scan(&fence, &canWrite)
	switch {
	case err != nil:
		return fmt.Errorf("the state %s cannot be written: %w; nothing was done", s.b.Where(), err)
	case fence != s.fence:
		return s.fenced(ctx)
	case !canWrite:
		return fmt.Errorf("the state %s cannot be written: the connection's user may not insert into the journal or update the states; nothing was done", s.b.Where())
	}
	return nil
}

// Close writes the rows still queued, then clears the holder, releases the advisory lock and closes
// the connection. A state opened without the lock has nothing to close.
func (s *PGStore) Close() error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	if s.conn == nil {
		return nil
	}
	err := s.flushLocked()
	s.unlockLocked()
	return err
}

// unlock releases the lock of a store whose load failed.
func (s *PGStore) unlock() {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.unlockLocked()
}

// unlockLocked clears the holder (if the lock is still ours), releases the advisory lock and closes
// the connection. s.syncMu must be held.
func (s *PGStore) unlockLocked() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if !s.conn.IsClosed() {
		_, _ = s.conn.Exec(ctx, `UPDATE `+s.b.table("locks")+` SET pid = NULL, username = NULL, host = NULL, operation = NULL, since = NULL, backend_pid = NULL
			WHERE workspace = $1 AND fence = $2`, s.b.Workspace, s.fence)
		_, _ = s.conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, s.lockKey)
	}
	_ = s.conn.Close(ctx)
	s.conn = nil
}

var _ State = (*PGStore)(nil)

// PGSecrets returns what of a connection string must never be printed: the string itself and the
// password in it.
func PGSecrets(url string) []string {
	out := []string{url}
	if cfg, err := pgx.ParseConfig(url); err == nil && cfg.Password != "" {
		out = append(out, cfg.Password)
	}
	return out
}
