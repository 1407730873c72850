// Package pgtest gives tests a PostgreSQL server: the one FERRY_TEST_PG_URL names (CI starts one and
// exports it), or else a throw-away cluster that the test binary starts in a temporary directory
// (initdb + postgres, as the unprivileged user postgres when running as root) and that dies with it.
// Each test gets a schema of its own, dropped when it ends.
//
// Tests that need PostgreSQL skip with the reason only when no server can be had and CI is not set;
// under CI (CI=true) they fail instead, so that CI never passes without running them.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the variable that points the tests at a running server.
const EnvURL = "FERRY_TEST_PG_URL"

// server is the cluster of this test binary, started at most once.
type server struct {
	once sync.Once
	url  string
	err  error
}

// URL returns the connection string of a PostgreSQL server for tests, starting a throw-away cluster
// on first use when FERRY_TEST_PG_URL is not set. Without one it skips the test (fails it under CI).
func URL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	the.once.Do(func() { the.url, the.err = start() })
	if the.err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL is needed and CI must run these tests: %v (set %s, or install the postgresql package)", the.err, EnvURL)
		}
		t.Skipf("PostgreSQL is not available here (%v); set %s or install the postgresql package to run this test", the.err, EnvURL)
	}
	return the.url
}

// the is the cluster started by this test binary; a test binary is one process, so one cluster.
var the server

// Schema creates a schema of its own for the test (dropped when the test ends) and returns the
// server URL and the schema's name.
func Schema(t testing.TB) (url, schema string) {
	t.Helper()
	url = URL(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema = "t_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect to the test PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, url)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
	})
	return url, schema
}

// start runs initdb and postgres in a new temporary directory, listening on a Unix socket there and
// on a free loopback port, and returns the URL. The server gets SIGKILL when this process dies.
func start() (string, error) {
	bin, err := binDir()
	if err != nil {
		return "", err
	}
	removeStale()
	dir, err := os.MkdirTemp("", "ferry-pgtest-")
	if err != nil {
		return "", err
	}
	cred, owner, err := runAs()
	if err != nil {
		return "", err
	}
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		return "", err
	}
	if cred != nil {
		for _, p := range []string{dir, data} {
			if err := os.Chown(p, int(cred.Uid), int(cred.Gid)); err != nil {
				return "", err
			}
		}
	}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		return "", fmt.Errorf("initdb (as %s): %v: %s", owner, err, out)
	}
	port, err := freePort()
	if err != nil {
		return "", err
	}
	pg := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", dir, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "shared_buffers=32MB")
	pg.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL, Setpgid: true}
	pg.Dir = dir
	logf, err := os.Create(filepath.Join(dir, "postgres.log"))
	if err != nil {
		return "", err
	}
	pg.Stdout, pg.Stderr = logf, logf
	if err := pg.Start(); err != nil {
		return "", fmt.Errorf("start postgres: %w", err)
	}
	url := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c, err := pgx.Connect(ctx, url)
		if err == nil {
			_ = c.Close(ctx)
			cancel()
			return url, nil
		}
		cancel()
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
			_ = pg.Process.Kill()
			return "", fmt.Errorf("postgres did not accept connections within 60 s: %v\n%s", err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// binDir finds the PostgreSQL server programs (Debian installs them under /usr/lib/postgresql/N/bin).
func binDir() (string, error) {
	if d := os.Getenv("FERRY_TEST_PG_BIN"); d != "" {
		return d, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) > 0 {
		return filepath.Dir(matches[len(matches)-1]), nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("no initdb found (looked in /usr/lib/postgresql/*/bin and PATH)")
}

// runAs returns the credentials to run the server with: none when not root (it runs as this user),
// else those of the user postgres (or nobody), since PostgreSQL refuses to run as root.
func runAs() (*syscall.Credential, string, error) {
	if os.Geteuid() != 0 {
		return nil, "this user", nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, name, nil
	}
	return nil, "", errors.New("running as root and there is no user postgres or nobody to run PostgreSQL as")
}

// freePort asks the kernel for a free loopback TCP port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// removeStale removes the directories of clusters whose test binary is gone (their server died with
// it), so that repeated runs do not fill the temporary directory.
func removeStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "ferry-pgtest-*"))
	for _, d := range dirs {
		fi, err := os.Stat(d)
		if err != nil || time.Since(fi.ModTime()) < time.Minute {
			continue // too young: its server may still be starting
		}
		raw, err := os.ReadFile(filepath.Join(d, "data", "postmaster.pid"))
		if err == nil {
			var pid int
			if _, err := fmt.Sscanf(string(raw), "%d", &pid); err == nil && pid > 0 && syscall.Kill(pid, 0) == nil {
				continue // its server still runs
			}
		}
		_ = os.RemoveAll(d)
	}
}
