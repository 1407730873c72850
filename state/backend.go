package state

import (
	"context"
	"time"
)

// State is an open state, wherever it is kept: the local file (*Store) or a PostgreSQL workspace
// (*PGStore). Every method that journals is durable when it returns; Close releases the lock of a
// state opened with Backend.OpenLocked.
type State interface {
	// Lineage is the state's UUID, part of every idempotency key.
	Lineage() string
	// Serial increases with every record and compaction.
	Serial() uint64
	// IsNew reports whether nothing of the state has been written yet.
	IsNew() bool
	// Get returns a copy of one resource; O(1) in the size of the state.
	Get(addr string) (*Resource, bool)
	// Addrs returns every address, sorted.
	Addrs() []string
	// Len returns the number of resources.
	Len() int
	// Snapshot returns a deep copy of the whole state.
	Snapshot() Snapshot

	// Intent journals that a mutating step is about to be sent under key.
	Intent(addr, kind, provider, step string, attempt int, key string) error
	// IntentWithIDs is Intent with the remote IDs the step sends besides its key.
	IntentWithIDs(addr, kind, provider, step string, attempt int, key string, remoteIDs map[string]string) error
	// Progress journals remote IDs a running step reported.
	Progress(addr, step string, remoteIDs map[string]string) error
	// Outcome journals the end of a step.
	Outcome(addr, step string, o StepOutcome) error
	// Put inserts or replaces one resource.
	Put(r *Resource) error
	// Remove forgets one resource.
	Remove(addr string) error
	// Move renames a resource.
	Move(from, to string) error

	// Compact folds the journal into a new snapshot.
	Compact() error
	// Overwrite replaces the whole state, lineage and serial included, by snap (state push/pull),
	// durably and at once; the journal is emptied.
	Overwrite(snap Snapshot) error
	// CheckWritable makes sure, before anything is sent, that the state can be written.
	CheckWritable() error
	// Warnings are what opening the state found that did not stop it (a damaged last journal
	// line, kept as evidence), for the command to print.
	Warnings() []string
	// Err returns the error that made the state refuse further records, or nil.
	Err() error
	// Close writes what is pending, closes the state and releases its lock if it holds one.
	Close() error
}

// Backend is where a state is kept: a local file (LocalBackend) or a PostgreSQL workspace
// (PGBackend). Commands open the state through it and never name the kind.
type Backend interface {
	// Where names the state in messages: a file path, or a PostgreSQL workspace and schema.
	Where() string
	// Open reads the state without taking its lock (plan, show, state list): the result journals
	// nothing durable and must only be read. A state that does not exist yet opens as new and empty.
	Open(ctx context.Context) (State, error)
	// OpenLocked takes the state's exclusive lock for operation (waiting up to timeout; a held lock
	// is a *LockedError naming the holder) and opens the state under it. Close releases the lock.
	OpenLocked(ctx context.Context, operation string, timeout time.Duration) (State, error)
}

// LocalBackend keeps the state in a local file with its journal beside it (flock for the lock).
type LocalBackend struct {
	// Path is the snapshot file.
	Path string
	// Options change how the store writes (tests play a full disk).
	Options Options
}

// Where returns the snapshot's path.
func (b LocalBackend) Where() string { return b.Path }

// Open opens the state file without the lock.
func (b LocalBackend) Open(context.Context) (State, error) { return OpenWith(b.Path, b.Options) }

// OpenLocked takes the flock of the state file, then opens it.
func (b LocalBackend) OpenLocked(ctx context.Context, operation string, timeout time.Duration) (State, error) {
	unlock, err := LockContext(ctx, b.Path, operation, timeout)
	if err != nil {
		return nil, err
	}
	st, err := OpenWith(b.Path, b.Options)
	if err != nil {
		_ = unlock()
		return nil, err
	}
	return &lockedStore{Store: st, unlock: unlock}, nil
}

// lockedStore is a Store that releases its flock when closed.
type lockedStore struct {
	*Store
	unlock func() error
}

// Close closes the store, then releases the lock.
func (l *lockedStore) Close() error {
	err := l.Store.Close()
	if uerr := l.unlock(); err == nil {
		err = uerr
	}
	return err
}

var (
	_ State = (*Store)(nil)
	_ State = (*lockedStore)(nil)
)
