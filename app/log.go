package app

import (
	"path/filepath"

	"github.com/ferry-dev/ferry/executor"
	"github.com/ferry-dev/ferry/notify"
	"github.com/ferry-dev/ferry/runlog"
	"github.com/ferry-dev/ferry/state"
)

// LogDir is the directory of the daily logs, in the spec directory.
const LogDir = "logs"

// appLog is the command's log (nil when it could not be opened: the log never stops a command).
type appLog struct{ *runlog.Logger }

// logger opens the day's log once per invocation, redacting what s redacts.
func (g *Globals) logger(s *spec) *appLog {
	if g.log != nil {
		return g.log
	}
	warned := false
	opts := runlog.Options{
		Verbose: g.Verbose, Redact: stringRedactor(s.secrets), OnError: func(err error) {
			if !warned {
				warned = true
				g.warnf(s, "no log is written for this run: %v", err)
			}
		}}
	if g.RestrictFiles {
		opts.Guard = func(path string) error { return confinedWrite(g.dir(), path) }
	}
	l := runlog.Open(filepath.Join(g.dir(), LogDir), g.RunID(), g.Command, opts)
	g.log = &appLog{Logger: l}
	return g.log
}

// Close ends what the invocation left open (its log).
func (g *Globals) Close() {
	if g.log != nil {
		_ = g.log.Close()
	}
}

func (l *appLog) delivery(dl notify.Delivery, attempt int, err error) {
	f := map[string]any{"event_id": dl.Event.ID, "event": dl.Event.Event, "receiver": dl.Receiver, "attempt": attempt, "delivered": err == nil}
	if err != nil {
		f["error"] = err.Error()
	}
	l.Log("notification", f)
}

func (l *appLog) event(e executor.Event) {
	f := map[string]any{"event": string(e.Type), "address": string(e.Addr), "message": e.Message}
	if e.Step != "" {
		f["step"] = e.Step
	}
	if len(e.IDs) > 0 {
		f["remote_ids"] = e.IDs
	}
	l.Log("event", f)
}

// loggedJournal logs every record the executor journals (after it is durable).
type loggedJournal struct {
	executor.Journal
	log *appLog
}

func (j loggedJournal) record(op, addr, step string, f map[string]any, err error) {
	if f == nil {
		f = map[string]any{}
	}
	f["op"], f["address"] = op, addr
	if step != "" {
		f["step"] = step
	}
	if err != nil {
		f["error"] = err.Error()
	}
	j.log.Log("journal", f)
}

func (j loggedJournal) IntentWithIDs(addr, kind, provider, step string, attempt int, key string, ids map[string]string) error {
	err := j.Journal.IntentWithIDs(addr, kind, provider, step, attempt, key, ids)
	j.record("intent", addr, step, map[string]any{"attempt": attempt, "key": key, "remote_ids": ids}, err)
	return err
}

func (j loggedJournal) Progress(addr, step string, ids map[string]string) error {
	err := j.Journal.Progress(addr, step, ids)
	j.record("progress", addr, step, map[string]any{"remote_ids": ids}, err)
	return err
}

func (j loggedJournal) Outcome(addr, step string, o state.StepOutcome) error {
	err := j.Journal.Outcome(addr, step, o)
	f := map[string]any{"failed": o.Failed, "remote_ids": o.RemoteIDs, "status": o.Status}
	if o.Error != "" {
		f["step_error"] = o.Error
	}
	j.record("outcome", addr, step, f, err)
	return err
}

func (j loggedJournal) Put(r *state.Resource) error {
	err := j.Journal.Put(r)
	j.record("put", r.Addr, "", map[string]any{"status": r.Status, "remote_ids": r.RemoteIDs}, err)
	return err
}

func (j loggedJournal) Remove(addr string) error {
	err := j.Journal.Remove(addr)
	j.record("remove", addr, "", nil, err)
	return err
}
