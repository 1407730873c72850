package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/ferry-dev/ferry/internal/atomicfile"
	"github.com/ferry-dev/ferry/internal/regfile"
)

// RunFormatVersion is the version of the run record file this package writes and the newest it reads.
const RunFormatVersion = 1

// maxRunFile bounds the run record file read back (ferry report): far above what 100 000 instances
// need, so a damaged or hostile file cannot exhaust memory.
const maxRunFile = 256 << 20

// Run is what the last apply of a state did to each instance it covered, as far as the resources
// themselves do not record it: the planned action, how the change ended, the reasons a blocked
// change gave and what identifies the instance remotely before anything was done. Together with
// the resources (attempts, times, remote IDs, errors) it is everything `ferry report` needs. It is
// kept beside the snapshot, in RunPath(state), written once at the end of an apply (atomically).
type Run struct {
	// Version is RunFormatVersion.
	Version int `json:"version"`
	// Lineage is the lineage of the state the run belongs to.
	Lineage string `json:"lineage"`
	// ID is the run id of the command (as in the log).
	ID string `json:"run_id"`
	// Command is plan or apply.
	Command string `json:"command"`
	// StartedAt and FinishedAt bound the command.
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// Entries are the instances of the run, sorted by address.
	Entries []RunEntry `json:"entries"`
}

// RunEntry is one instance of a run.
type RunEntry struct {
	Addr     string `json:"addr"`
	Kind     string `json:"kind"`
	Provider string `json:"provider"`
	// Action is the planned action (create, resume, import, no-op, forget, blocked, …).
	Action string `json:"action"`
	// Outcome is how the change ended: done, failed, blocked, skipped, interrupted, not_started,
	// still_in_progress, unreadable, unchanged or (for a plan) planned.
	Outcome string `json:"outcome"`
	// Customer is the customer the instance belongs to (Microsoft tenant, Commerce account, …).
	Customer string `json:"customer,omitempty"`
	// SourceIDs are the IDs of what is migrated (legacy subscription, then its add-ons; a server).
	SourceIDs []string `json:"source_ids,omitempty"`
	// OfferName is the offer of the source as the plan showed it.
	OfferName string `json:"offer_name,omitempty"`
	// Reasons are why a change is blocked or failed, as the API gave them.
	Reasons []string `json:"reasons,omitempty"`
	// Warnings are what went wrong without stopping the change.
	Warnings []string `json:"warnings,omitempty"`
}

// RunPath is where the run record of the state at statePath is kept.
func RunPath(statePath string) string { return statePath + ".lastrun.json" }

// WriteRun records r as the last run of the state at statePath (temp file, fsync, rename).
func WriteRun(statePath string, r *Run) error {
	r.Version = RunFormatVersion
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode run record: %w", err)
	}
	if err := atomicfile.Write(RunPath(statePath), append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write run record: %w", err)
	}
	return nil
}

// ErrNoRun is wrapped by the error of ReadRun when no run was recorded.
var ErrNoRun = errors.New("no run recorded")

// ReadRun reads the last run recorded for the state at statePath.
func ReadRun(statePath string) (*Run, error) {
	name := RunPath(statePath)
	// O_NONBLOCK and the check of the open file below: a FIFO would block, a device never end.
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", name, ErrNoRun)
	}
	if err != nil {
		return nil, fmt.Errorf("read run record: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read run record: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("read run record: %s is %s: %w", name, regfile.Kind(fi.Mode()), regfile.ErrNotRegular)
	}
	if fi.Size() > maxRunFile {
		return nil, fmt.Errorf("run record %s is %d bytes, more than the %d ferry reads", name, fi.Size(), maxRunFile)
	}
	return DecodeRun(name, f)
}

// DecodeRun parses a run record read from r; name is used in errors.
func DecodeRun(name string, r interface{ Read([]byte) (int, error) }) (*Run, error) {
	var run Run
	dec := json.NewDecoder(r)
	if err := dec.Decode(&run); err != nil {
		return nil, fmt.Errorf("run record %s: %w", name, err)
	}
	switch {
	case run.Version < 1:
		return nil, fmt.Errorf("run record %s has no valid \"version\"", name)
	case run.Version > RunFormatVersion:
		return nil, fmt.Errorf("run record %s has format version %d; this ferry reads up to %d: upgrade ferry", name, run.Version, RunFormatVersion)
	}
	return &run, nil
}
