package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ferry-dev/ferry/internal/regfile"
	"github.com/gofrs/flock"
)

// lockRetryDelay is how often a waiting Lock tries again.
const lockRetryDelay = 50 * time.Millisecond

// LockInfo says who holds a state lock; it is the content of the lock file while the lock is held.
type LockInfo struct {
	// PID is the holder's process ID.
	PID int `json:"pid"`
	// User is the holder's user name.
	User string `json:"user,omitempty"`
	// Host is the holder's host name.
	Host string `json:"host,omitempty"`
	// Operation is what the holder is doing, e.g. "ferry apply".
	Operation string `json:"operation,omitempty"`
	// Since is when the lock was taken.
	Since time.Time `json:"since"`
}

// LockedError is returned by Lock when another process (or another Lock in this process) holds the
// state lock.
type LockedError struct {
	// Path is the lock file.
	Path string
	// Holder is who holds the lock; nil when the lock file does not say (yet).
	Holder *LockInfo
	// Waited is how long the caller waited for the lock (--lock-timeout); 0 when it tried once.
	Waited time.Duration
}

// advice ends the message: what to do, which depends on whether the caller already waited.
func (e *LockedError) advice() string {
	if e.Waited > 0 {
		return fmt.Sprintf("; still held after waiting %s (--lock-timeout); retry later or wait longer", e.Waited)
	}
	return "; retry later or use --lock-timeout"
}

// Error says who holds the lock, e.g. "state is locked by pid 4242 (ferry apply, user ci) on host
// ci-3 since 2026-11-21T12:00:00Z; retry later or use --lock-timeout".
func (e *LockedError) Error() string {
	h := e.Holder
	if h == nil {
		return fmt.Sprintf("state is locked by another process (%s names no holder)%s", e.Path, e.advice())
	}
	var b strings.Builder
	fmt.Fprintf(&b, "state is locked by pid %d", h.PID)
	var what []string
	if h.Operation != "" {
		what = append(what, h.Operation)
	}
	if h.User != "" {
		what = append(what, "user "+h.User)
	}
	if len(what) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(what, ", "))
	}
	if h.Host != "" {
		fmt.Fprintf(&b, " on host %s", h.Host)
	}
	if !h.Since.IsZero() {
		fmt.Fprintf(&b, " since %s", h.Since.UTC().Format(time.RFC3339))
	}
	b.WriteString(e.advice())
	return b.String()
}

// Lock takes an exclusive lock on path+".lock" (github.com/gofrs/flock), waiting up to timeout
// (0 = try once). The lock file records who holds it (pid, user, host, operation, since); when the
// lock is held by another process, the error is a *LockedError saying who. operation is what the
// caller is doing ("apply" is shown as "ferry apply"). The returned unlock releases the lock; calling
// it more than once is harmless.
func Lock(path, operation string, timeout time.Duration) (unlock func() error, err error) {
	return LockContext(context.Background(), path, operation, timeout)
}

// LockContext is Lock with a context that can cancel the wait.
func LockContext(ctx context.Context, path, operation string, timeout time.Duration) (unlock func() error, err error) {
	lockPath := path + ".lock"
	// A lock file that is not a regular file is refused: opening a FIFO waits for a writer, for ever
	// and past SIGTERM. O_NONBLOCK covers one swapped in after the check.
	if fi, err := os.Stat(lockPath); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("lock state %s: %s is %s, not a regular file; remove it", path, lockPath, regfile.Kind(fi.Mode()))
	}
	fl := flock.New(lockPath, flock.SetFlag(os.O_CREATE|os.O_RDONLY|syscall.O_NONBLOCK))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock state %s: %w", path, err)
	}
	if !ok && timeout > 0 {
		wctx, cancel := context.WithTimeout(ctx, timeout)
		ok, err = fl.TryLockContext(wctx, lockRetryDelay)
		cancel()
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("lock state %s: %w", path, err)
		}
	}
	if !ok {
		return nil, &LockedError{Path: lockPath, Holder: readLockInfo(lockPath), Waited: timeout}
	}
	if err := writeLockInfo(lockPath, newLockInfo(operation)); err != nil {
		_ = fl.Unlock()
		return nil, fmt.Errorf("lock state %s: %w", path, err)
	}
	var once sync.Once
	var uerr error
	return func() error {
		once.Do(func() {
			// Clear the holder first: once unlocked, the file may belong to someone else.
			_ = os.Truncate(lockPath, 0)
			if err := fl.Unlock(); err != nil {
				uerr = fmt.Errorf("unlock state %s: %w", path, err)
			}
		})
		return uerr
	}, nil
}

// newLockInfo describes this process as a lock holder.
func newLockInfo(operation string) LockInfo {
	if operation != "" && !strings.HasPrefix(operation, "ferry") {
		operation = "ferry " + operation
	}
	info := LockInfo{PID: os.Getpid(), Operation: operation, Since: time.Now().UTC().Truncate(time.Second)}
	if u, err := user.Current(); err == nil {
		info.User = u.Username
	} else {
		info.User = os.Getenv("USER")
	}
	if h, err := os.Hostname(); err == nil {
		info.Host = h
	}
	return info
}

// writeLockInfo replaces the content of the (locked) lock file in place; the file itself must stay,
// since the lock belongs to its inode.
func writeLockInfo(lockPath string, info LockInfo) error {
	data, err := json.Marshal(info)
	if err != nil {
		return fmt.Errorf("encode lock info: %w", err)
	}
	f, err := os.OpenFile(lockPath, os.O_WRONLY|os.O_TRUNC|syscall.O_NONBLOCK, 0)
	if err != nil {
		return fmt.Errorf("write lock info: %w", err)
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		_ = f.Close()
		return fmt.Errorf("write lock info %s: %w", lockPath, err)
	}
	return f.Close()
}

// readLockInfo reads who holds a lock; nil when the file is empty or unreadable (e.g. the holder
// has not written it yet).
func readLockInfo(lockPath string) *LockInfo {
	data, err := os.ReadFile(lockPath)
	if err != nil || len(data) == 0 {
		return nil
	}
	var info LockInfo
	if err := json.Unmarshal(data, &info); err != nil || info.PID == 0 {
		return nil
	}
	return &info
}
