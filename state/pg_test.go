package state

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ferry-dev/ferry/internal/pgtest"
)

// pgBackend returns a backend on a schema of the test's own.
func pgBackend(t testing.TB, workspace string) PGBackend {
	t.Helper()
	url, schema := pgtest.Schema(t)
	return PGBackend{URL: url, Schema: schema, Workspace: workspace}
}

// pgAdmin is a connection of the test's own, for reading and tampering with the tables.
func pgAdmin(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func lockedT(t testing.TB, b Backend, op string) State {
	t.Helper()
	st, err := b.OpenLocked(context.Background(), op, 0)
	if err != nil {
		t.Fatalf("OpenLocked(%s): %v", b.Where(), err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// backends runs f on a local file and on a PostgreSQL workspace: the contract both keep.
func backends(t *testing.T, f func(t *testing.T, b Backend)) {
	t.Run("local", func(t *testing.T) { f(t, LocalBackend{Path: statePath(t)}) })
	t.Run("postgres", func(t *testing.T) { f(t, pgBackend(t, "default")) })
}

// TestBackendContract journals, compacts and reopens on both backends and finds the same state.
func TestBackendContract(t *testing.T) {
	backends(t, func(t *testing.T, b Backend) {
		ctx := context.Background()
		ro, err := b.Open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !ro.IsNew() || ro.Len() != 0 {
			t.Fatalf("a state never written: new %v, %d resources", ro.IsNew(), ro.Len())
		}
		st := lockedT(t, b, "apply")
		if err := st.CheckWritable(); err != nil {
			t.Fatal(err)
		}
		lineage := st.Lineage()
		for i := range 5 {
			a := fmt.Sprintf(`subscription.s["%d"]`, i)
			mustOK(t, st.IntentWithIDs(a, "subscription", "partnercenter", "migrate", 1, "key-"+a, map[string]string{"batch_id": "b1"}))
			mustOK(t, st.Progress(a, "migrate", map[string]string{"migration_id": "m" + a}))
			mustOK(t, st.Outcome(a, "migrate", StepOutcome{Status: "migrated", Final: &Resource{Status: "migrated", RemoteIDs: map[string]string{"customer_id": "c"}}}))
		}
		mustOK(t, st.Move(`subscription.s["4"]`, `subscription.s["moved"]`))
		mustOK(t, st.Remove(`subscription.s["3"]`))
		if err := st.Remove(`subscription.s["nope"]`); !errors.Is(err, ErrNotFound) {
			t.Fatalf("removing an absent address: %v", err)
		}
		want := st.Snapshot()
		if want.Serial != 17 || st.IsNew() {
			t.Fatalf("serial %d new %v, want 17 and written", want.Serial, st.IsNew())
		}
		mustOK(t, st.Close())

		again, err := b.Open(ctx)
		mustOK(t, err)
		sameState(t, want, again.Snapshot())
		if again.Lineage() != lineage {
			t.Fatalf("lineage %s, want %s", again.Lineage(), lineage)
		}

		st = lockedT(t, b, "apply")
		mustOK(t, st.Compact())
		want = st.Snapshot()
		mustOK(t, st.Close())
		again, err = b.Open(ctx)
		mustOK(t, err)
		sameState(t, want, again.Snapshot())
		if want.Serial != 18 {
			t.Fatalf("serial after compaction %d, want 18", want.Serial)
		}
	})
}

// TestBackendLockHeldNamesHolder: a second locked open of the same state is refused naming the first.
func TestBackendLockHeldNamesHolder(t *testing.T) {
	backends(t, func(t *testing.T, b Backend) {
		_ = lockedT(t, b, "ferry apply")
		_, err := b.OpenLocked(context.Background(), "ferry import", 300*time.Millisecond)
		var le *LockedError
		if !errors.As(err, &le) || le.Holder == nil {
			t.Fatalf("second lock: %v, want a LockedError naming the holder", err)
		}
		if !strings.Contains(err.Error(), "(ferry apply, user ") || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", le.Holder.PID)) {
			t.Fatalf("message %q does not name the holder", err)
		}
		// It waited (--lock-timeout): the message says so instead of advising --lock-timeout.
		if !strings.Contains(err.Error(), "still held after waiting 300ms (--lock-timeout)") {
			t.Fatalf("message %q does not say how long it waited", err)
		}
	})
}

// TestPGConnectionKilled: when the server ends the locked session (pg_terminate_backend), the store
// refuses every further record; another ferry takes the lock and finds every record committed
// before the kill.
func TestPGConnectionKilled(t *testing.T) {
	b := pgBackend(t, "w1")
	admin := pgAdmin(t, b.URL)
	st := lockedT(t, b, "apply")
	mustOK(t, st.Intent(`subscription.s["a"]`, "subscription", "partnercenter", "migrate", 1, "k-a"))
	var backendPID int32
	mustOK(t, admin.QueryRow(context.Background(), `SELECT backend_pid FROM `+b.table("locks")+` WHERE workspace = $1`, b.Workspace).Scan(&backendPID))
	var killed bool
	mustOK(t, admin.QueryRow(context.Background(), `SELECT pg_terminate_backend($1)`, backendPID).Scan(&killed))
	if !killed {
		t.Fatal("pg_terminate_backend returned false")
	}
	err := st.Intent(`subscription.s["b"]`, "subscription", "partnercenter", "migrate", 1, "k-b")
	if !errors.Is(err, ErrLockLost) {
		t.Fatalf("intent after the connection was killed: %v, want ErrLockLost", err)
	}
	if err := st.Outcome(`subscription.s["a"]`, "migrate", StepOutcome{}); err == nil {
		t.Fatal("an outcome was accepted after the connection was lost")
	}
	if st.Err() == nil {
		t.Fatal("Err() is nil after the connection was lost")
	}
	// The server releases the lock as the session ends; the next ferry gets it.
	next, err := b.OpenLocked(context.Background(), "apply", 10*time.Second)
	mustOK(t, err)
	defer next.Close()
	if r, ok := next.Get(`subscription.s["a"]`); !ok || r.Steps["migrate"].Status != StepIntent {
		t.Fatalf("the intent committed before the kill is missing: %+v", r)
	}
	if _, ok := next.Get(`subscription.s["b"]`); ok {
		t.Fatal("a record refused after the kill is in the state")
	}
}

// TestPGFencing: a ferry whose lock was taken over (the fencing token moved on) cannot write a
// record or compact: the check is in the transaction of the write itself.
func TestPGFencing(t *testing.T) {
	b := pgBackend(t, "w1")
	admin := pgAdmin(t, b.URL)
	st := lockedT(t, b, "apply")
	mustOK(t, st.Intent(`subscription.s["a"]`, "subscription", "partnercenter", "migrate", 1, "k-a"))
	// Another apply takes over, as it would once our session (and lock) were gone.
	_, err := admin.Exec(context.Background(), `UPDATE `+b.table("locks")+` SET fence = fence + 1, pid = 4242, username = 'ci', host = 'runner-2',
		operation = 'ferry apply', since = now() WHERE workspace = $1`, b.Workspace)
	mustOK(t, err)
	err = st.Intent(`subscription.s["b"]`, "subscription", "partnercenter", "migrate", 1, "k-b")
	if !errors.Is(err, ErrLockLost) || !strings.Contains(err.Error(), "pid 4242 (ferry apply, user ci) on host runner-2") {
		t.Fatalf("intent after a takeover: %v, want ErrLockLost naming the new holder", err)
	}
	if err := st.Compact(); !errors.Is(err, ErrLockLost) {
		t.Fatalf("compaction after a takeover: %v", err)
	}
	var rows int
	mustOK(t, admin.QueryRow(context.Background(), `SELECT count(*) FROM `+b.table("journal")+` WHERE workspace = $1`, b.Workspace).Scan(&rows))
	if rows != 1 {
		t.Fatalf("%d journal rows, want only the intent written before the takeover", rows)
	}
}

// TestPGWorkspacesConcurrent: two workspaces written at once by many goroutines each do not
// interfere (each lock is its own; group commit shares statements within a workspace).
func TestPGWorkspacesConcurrent(t *testing.T) {
	url, schema := pgtest.Schema(t)
	bs := []PGBackend{{URL: url, Schema: schema, Workspace: "emea"}, {URL: url, Schema: schema, Workspace: "apac"}}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for _, b := range bs {
		st := lockedT(t, b, "apply")
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 25 {
					a := fmt.Sprintf(`subscription.%s["%d-%d"]`, strings.ReplaceAll(b.Workspace, "-", "_"), w, i)
					if err := st.Intent(a, "subscription", "partnercenter", "migrate", 1, "k"); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, b := range bs {
		st, err := b.Open(context.Background())
		mustOK(t, err)
		if st.Len() != 200 || st.Serial() != 200 {
			t.Fatalf("%s: %d resources at serial %d, want 200 and 200", b.Workspace, st.Len(), st.Serial())
		}
		for _, a := range st.Addrs() {
			if !strings.HasPrefix(a, "subscription."+b.Workspace+"[") {
				t.Fatalf("%s holds %s of another workspace", b.Workspace, a)
			}
		}
	}
}

// TestPGChecksum: a journal row changed behind ferry's back is refused on load, naming its serial.
func TestPGChecksum(t *testing.T) {
	b := pgBackend(t, "default")
	st := lockedT(t, b, "apply")
	mustOK(t, st.Intent(`subscription.s["a"]`, "subscription", "partnercenter", "migrate", 1, "k-a"))
	mustOK(t, st.Intent(`subscription.s["b"]`, "subscription", "partnercenter", "migrate", 1, "k-b"))
	mustOK(t, st.Close())
	admin := pgAdmin(t, b.URL)
	_, err := admin.Exec(context.Background(), `UPDATE `+b.table("journal")+` SET record = jsonb_set(record, '{key}', '"forged"') WHERE serial = 2`)
	mustOK(t, err)
	if _, err := b.Open(context.Background()); err == nil || !strings.Contains(err.Error(), "serial 2: checksum mismatch") {
		t.Fatalf("open of a forged journal: %v", err)
	}
}

// TestPGNewerSchemaRefused: tables migrated by a newer ferry are refused, not guessed at.
func TestPGNewerSchemaRefused(t *testing.T) {
	b := pgBackend(t, "default")
	mustOK(t, lockedT(t, b, "apply").Close())
	admin := pgAdmin(t, b.URL)
	_, err := admin.Exec(context.Background(), `INSERT INTO `+b.table("schema_version")+` (version) VALUES (99)`)
	mustOK(t, err)
	for _, open := range []func() error{
		func() error { _, err := b.Open(context.Background()); return err },
		func() error { _, err := b.OpenLocked(context.Background(), "apply", 0); return err },
	} {
		if err := open(); !errors.Is(err, ErrNewerFormat) || !strings.Contains(err.Error(), "version 99") {
			t.Fatalf("open of a newer schema: %v", err)
		}
	}
}

// TestPGNulInRecord: jsonb cannot hold U+0000; a remote error text with one is stored (as U+FFFD)
// and the state still loads with its checksums verified.
func TestPGNulInRecord(t *testing.T) {
	b := pgBackend(t, "default")
	st := lockedT(t, b, "apply")
	mustOK(t, st.Outcome(`subscription.s["a"]`, "migrate", StepOutcome{Failed: true, Error: "bad\x00thing \\u0000 kept"}))
	mustOK(t, st.Close())
	again, err := b.Open(context.Background())
	mustOK(t, err)
	r, _ := again.Get(`subscription.s["a"]`)
	if got := r.Steps["migrate"].Error; got != "bad\ufffdthing \\u0000 kept" {
		t.Fatalf("error text %q", got)
	}
}

// TestOverwriteBetweenBackends moves a state local → PostgreSQL → local with nothing lost.
func TestOverwriteBetweenBackends(t *testing.T) {
	local := LocalBackend{Path: statePath(t)}
	st := lockedT(t, local, "apply")
	mustOK(t, st.IntentWithIDs(`subscription.s["a"]`, "subscription", "partnercenter", "migrate", 1, "k-a", map[string]string{"batch_id": "b"}))
	mustOK(t, st.Put(&Resource{Addr: `subscription.s["b"]`, Kind: "subscription", Provider: "partnercenter", Status: StatusImported}))
	want := st.Snapshot()
	mustOK(t, st.Close())

	pg := pgBackend(t, "moved")
	dst := lockedT(t, pg, "state push")
	mustOK(t, dst.Overwrite(want))
	mustOK(t, dst.Close())
	got, err := pg.Open(context.Background())
	mustOK(t, err)
	sameState(t, want, got.Snapshot())

	back := LocalBackend{Path: statePath(t)}
	dst = lockedT(t, back, "state pull")
	mustOK(t, dst.Overwrite(got.Snapshot()))
	mustOK(t, dst.Close())
	got2, err := back.Open(context.Background())
	mustOK(t, err)
	sameState(t, want, got2.Snapshot())
}

func mustOK(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestPGClosedAndReadOnly: a store opened without the lock, or closed (its lock released), refuses
// records instead of writing without the lock.
func TestPGClosedAndReadOnly(t *testing.T) {
	b := pgBackend(t, "default")
	ro, err := b.Open(context.Background())
	mustOK(t, err)
	if err := ro.Intent(`subscription.s["a"]`, "subscription", "partnercenter", "migrate", 1, "k"); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("a record on a store opened without the lock: %v", err)
	}
	st, err := b.OpenLocked(context.Background(), "apply", 0)
	mustOK(t, err)
	mustOK(t, st.Close())
	if err := st.Intent(`subscription.s["a"]`, "subscription", "partnercenter", "migrate", 1, "k"); err == nil {
		t.Fatal("a record was accepted after Close")
	}
	again, err := b.Open(context.Background())
	mustOK(t, err)
	if again.Len() != 0 {
		t.Fatalf("%d resources written after Close", again.Len())
	}
}

// TestPGLeastPrivilegeUser: a user who may use ferry's tables but not create schemas works on tables
// an administrator's ferry created (ferry migrates only an absent or older schema).
func TestPGLeastPrivilegeUser(t *testing.T) {
	b := pgBackend(t, "default")
	mustOK(t, lockedT(t, b, "apply").Close())
	role := "ferry_user_" + strings.TrimPrefix(b.Schema, "t_")
	userURL := strings.Replace(b.URL, "postgres://postgres@", "postgres://"+role+"@", 1)
	if userURL == b.URL {
		t.Skipf("the test server's URL does not name the user postgres; cannot connect as another role")
	}
	admin := pgAdmin(t, b.URL)
	ctx := context.Background()
	for _, q := range []string{
		`CREATE ROLE ` + role + ` LOGIN`,
		`GRANT USAGE ON SCHEMA ` + b.Schema + ` TO ` + role,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ` + b.Schema + ` TO ` + role,
	} {
		_, err := admin.Exec(ctx, q)
		mustOK(t, err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), b.URL)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), `DROP OWNED BY `+role)
		_, _ = c.Exec(context.Background(), `DROP ROLE `+role)
	})
	user := b
	user.URL = userURL
	st := lockedT(t, user, "apply")
	mustOK(t, st.CheckWritable())
	mustOK(t, st.Intent(`subscription.s["a"]`, "subscription", "partnercenter", "migrate", 1, "k"))
	mustOK(t, st.Compact())
	mustOK(t, st.Close())
	got, err := b.Open(ctx)
	mustOK(t, err)
	if got.Len() != 1 {
		t.Fatalf("%d resources, want 1", got.Len())
	}
}

// TestPGLockTimeout: with a timeout, a second locker waits for the first to release the workspace.
func TestPGLockTimeout(t *testing.T) {
	b := pgBackend(t, "default")
	first, err := b.OpenLocked(context.Background(), "apply", 0)
	mustOK(t, err)
	mustOK(t, first.Intent(`subscription.s["a"]`, "subscription", "partnercenter", "migrate", 1, "k"))
	go func() {
		time.Sleep(300 * time.Millisecond)
		_ = first.Close()
	}()
	second, err := b.OpenLocked(context.Background(), "apply", 30*time.Second)
	mustOK(t, err)
	defer second.Close()
	if _, ok := second.Get(`subscription.s["a"]`); !ok {
		t.Fatal("the second locker does not see what the first wrote")
	}
}

// TestPGLockOfAKilledHolder: right after a ferry of this machine was killed, its session (and lock)
// lives on for a moment; the next apply, even with no --lock-timeout, waits for it instead of
// refusing (a kill -9 test met "state is locked by pid …" once).
func TestPGLockOfAKilledHolder(t *testing.T) {
	b := pgBackend(t, "w1")
	admin := pgAdmin(t, b.URL)
	st := lockedT(t, b, "apply")
	dead := exec.Command("true")
	mustOK(t, dead.Run())
	host, err := os.Hostname()
	mustOK(t, err)
	_, err = admin.Exec(context.Background(), `UPDATE `+b.table("locks")+` SET pid = $2, host = $3 WHERE workspace = $1`,
		b.Workspace, dead.Process.Pid, host)
	mustOK(t, err)
	go func() {
		time.Sleep(300 * time.Millisecond)
		_ = st.Close() // the session of the killed process ends
	}()
	next, err := b.OpenLocked(context.Background(), "apply", 0)
	if err != nil {
		t.Fatalf("the lock of a process that no longer exists: %v, want it taken once its session ended", err)
	}
	_ = next.Close()
}

// TestPGLockConnectionKeepalives: the connection that holds a workspace's lock asks the server to
// probe it, so a runner that vanishes without closing it (powered off, cut off) frees the lock in
// about a minute instead of the two hours and more of the usual system TCP keepalive defaults.
func TestPGLockConnectionKeepalives(t *testing.T) {
	b := pgBackend(t, "default")
	st, err := b.OpenLocked(context.Background(), "apply", 0)
	mustOK(t, err)
	defer st.Close()
	s := st.(*PGStore)
	var tcp bool
	mustOK(t, s.conn.QueryRow(context.Background(), `SELECT inet_client_addr() IS NOT NULL`).Scan(&tcp))
	if !tcp {
		t.Skip("the test server is reached over a Unix socket, where TCP keepalives do not apply")
	}
	for name, want := range map[string]string{"tcp_keepalives_idle": "30", "tcp_keepalives_interval": "10", "tcp_keepalives_count": "3"} {
		var got string
		mustOK(t, s.conn.QueryRow(context.Background(), `SELECT setting FROM pg_settings WHERE name = $1`, name).Scan(&got))
		if got != want {
			t.Errorf("%s = %s on the lock's connection, want %s", name, got, want)
		}
	}
}
