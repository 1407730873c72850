package state

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func TestLockHeld(t *testing.T) {
	path := statePath(t)
	unlock, err := Lock(path, "apply", 0)
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	_, err = Lock(path, "plan", 0)
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second Lock: %v, want *LockedError", err)
	}
	if le.Holder == nil || le.Holder.PID != os.Getpid() || le.Holder.Operation != "ferry apply" || le.Holder.Since.IsZero() {
		t.Fatalf("holder %+v", le.Holder)
	}
	host, _ := os.Hostname()
	for _, want := range []string{"state is locked by pid", "(ferry apply", "on host " + host, "retry later or use --lock-timeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// Waiting with a timeout that expires says so, rather than advising --lock-timeout again.
	_, err = Lock(path, "plan", 60*time.Millisecond)
	if !errors.As(err, &le) {
		t.Fatalf("Lock with timeout while held: %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "still held after waiting 60ms (--lock-timeout)") || strings.Contains(msg, "use --lock-timeout") {
		t.Errorf("error after waiting: %q", msg)
	}
	must(t, unlock())
	must(t, unlock()) // twice is harmless
	if data, _ := os.ReadFile(path + ".lock"); len(data) != 0 {
		t.Fatalf("lock file after unlock holds %q", data)
	}
	unlock2, err := Lock(path, "state rm", 0)
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	must(t, unlock2())
}

func TestLockWaits(t *testing.T) {
	path := statePath(t)
	unlock, err := Lock(path, "apply", 0)
	must(t, err)
	released := make(chan struct{})
	go func() {
		time.Sleep(150 * time.Millisecond)
		close(released)
		_ = unlock()
	}()
	unlock2, err := Lock(path, "apply", time.Minute)
	if err != nil {
		t.Fatalf("Lock with timeout: %v", err)
	}
	select {
	case <-released:
	default:
		t.Fatal("second Lock returned before the first was released")
	}
	must(t, unlock2())
}

func TestLockMissingDir(t *testing.T) {
	if _, err := Lock(t.TempDir()+"/no/such/dir/state.json", "apply", 0); err == nil {
		t.Fatal("Lock in a missing directory succeeded")
	}
}

func TestLockedErrorMessage(t *testing.T) {
	since := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   *LockInfo
		want string
	}{
		{"full", &LockInfo{PID: 4242, Operation: "ferry apply", Host: "ci-3", Since: since},
			"state is locked by pid 4242 (ferry apply) on host ci-3 since 2026-11-21T12:00:00Z; retry later or use --lock-timeout"},
		{"with user", &LockInfo{PID: 7, User: "ci", Operation: "ferry apply", Host: "ci-3", Since: since},
			"state is locked by pid 7 (ferry apply, user ci) on host ci-3 since 2026-11-21T12:00:00Z; retry later or use --lock-timeout"},
		{"pid only", &LockInfo{PID: 7}, "state is locked by pid 7; retry later or use --lock-timeout"},
		{"unknown", nil, "state is locked by another process (x.lock names no holder); retry later or use --lock-timeout"},
	}
	waited := (&LockedError{Path: "x.lock", Holder: &LockInfo{PID: 7}, Waited: 5 * time.Minute}).Error()
	if want := "state is locked by pid 7; still held after waiting 5m0s (--lock-timeout); retry later or wait longer"; waited != want {
		t.Errorf("after waiting:\ngot  %q\nwant %q", waited, want)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (&LockedError{Path: "x.lock", Holder: tt.in}).Error(); got != tt.want {
				t.Fatalf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestLockGarbledHolder(t *testing.T) {
	path := statePath(t)
	unlock, err := Lock(path, "apply", 0)
	must(t, err)
	defer unlock()
	must(t, os.WriteFile(path+".lock", []byte("{garbage"), 0o600)) // same inode: lock still held
	_, err = Lock(path, "plan", 0)
	var le *LockedError
	if !errors.As(err, &le) || le.Holder != nil {
		t.Fatalf("Lock: %v (holder %+v), want LockedError with unknown holder", err, le)
	}
}

// TestCheckPGNameReserved: the schemas PostgreSQL reserves (pg_…, which CREATE SCHEMA refuses only
// once ferry runs its DDL) and its catalog schema information_schema (where ferry created its
// tables) are refused up front; lookalikes are fine.
func TestCheckPGNameReserved(t *testing.T) {
	for _, name := range []string{"pg_temp", "pg_catalog", "pg_ferry", "information_schema"} {
		if err := CheckPGName("schema", name); err == nil || !strings.Contains(err.Error(), "reserved by PostgreSQL") {
			t.Errorf("schema %q: %v, want refused as reserved", name, err)
		}
	}
	for _, name := range []string{"ferry", "pgferry", "public", "_pg_x", "information"} {
		if err := CheckPGName("schema", name); err != nil {
			t.Errorf("schema %q: %v", name, err)
		}
	}
	if err := CheckPGName("workspace", "pg_wave1"); err != nil {
		t.Errorf("workspace pg_wave1 (a row, not a schema): %v", err)
	}
}
