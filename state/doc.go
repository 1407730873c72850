// Package state keeps ferry's state: a JSON snapshot of every resource by address, an append-only
// journal beside it (one checksummed JSON line per step record, fsynced before the step's remote
// call), a lock file, a lineage and serial, and a backup of the previous snapshot.
//
// Open replays the journal over the snapshot; each journal record costs O(1) writes whatever the
// size of the state; Compact folds the journal into a new snapshot. See docs/state.md.
package state
