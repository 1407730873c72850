package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ferry-dev/ferry/internal/atomicfile"
	"github.com/ferry-dev/ferry/internal/regfile"
)

// maxOutbox bounds the outbox file read back: a damaged or hostile file cannot exhaust memory.
const maxOutbox = 64 << 20

// OutboxPath is the outbox of the state at statePath.
func OutboxPath(statePath string) string { return statePath + ".outbox" }

// outboxLine is one line of the outbox (JSON lines, appended and fsynced).
type outboxLine struct {
	Op       string    `json:"op"` // created | queued | delivered
	Time     time.Time `json:"time"`
	EventID  string    `json:"event_id,omitempty"`
	Receiver string    `json:"receiver,omitempty"`
	Event    *Event    `json:"event,omitempty"`
}

// Delivery is one event for one receiver.
type Delivery struct {
	Event    Event
	Receiver string
}

func (d Delivery) key() string { return d.Event.ID + "\x00" + d.Receiver }

// Outbox records, durably, which events were queued for which receiver and which were delivered.
// Safe for concurrent use.
type Outbox struct {
	mu      sync.Mutex
	f       *os.File
	created time.Time
	queued  map[string]Delivery // key → delivery not yet delivered
	known   map[string]bool     // every key ever queued
}

// OpenOutbox opens (creating it if needed) the outbox at path and replays it. A torn or damaged
// line (a crash in mid-write) is skipped.
func OpenOutbox(path string, now time.Time) (*Outbox, error) {
	o := &Outbox{queued: map[string]Delivery{}, known: map[string]bool{}}
	data, err := readBounded(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	o.replay(data)
	if len(data) > compactAbove {
		// Most of a long outbox is payloads already delivered: keep only their keys (what
		// de-duplication needs), the undelivered events and when the outbox was made.
		if err := o.compact(path); err != nil {
			return nil, err
		}
		data = nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open notification outbox: %w", err)
	}
	o.f = f
	if len(data) > 0 && data[len(data)-1] != '\n' {
		// A torn last line: end it, so the next record starts on a line of its own.
		if _, err := f.Write([]byte("\n")); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("notification outbox: %w", err)
		}
	}
	if o.created.IsZero() {
		o.created = now.UTC()
		if err := o.append(outboxLine{Op: "created", Time: o.created}); err != nil {
			_ = f.Close()
			return nil, err
		}
	}
	return o, nil
}

func readBounded(path string) ([]byte, error) {
	// A regular file only: a FIFO would block the apply before it could be interrupted.
	data, err := regfile.Read(path, maxOutbox)
	switch {
	case errors.Is(err, regfile.ErrTooLarge):
		return nil, fmt.Errorf("notification outbox %s is larger than %d bytes; move it away (its undelivered events are then lost)", path, maxOutbox)
	case errors.Is(err, os.ErrNotExist):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("read notification outbox: %w", err)
	}
	return data, nil
}

// compactAbove is the outbox size from which opening it rewrites it compactly.
const compactAbove = 1 << 20

// compact rewrites the outbox at path from what was replayed (temp file, fsync, rename).
func (o *Outbox) compact(path string) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	if !o.created.IsZero() {
		_ = enc.Encode(outboxLine{Op: "created", Time: o.created})
	}
	keys := make([]string, 0, len(o.known))
	for k := range o.known {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if d, pending := o.queued[k]; pending {
			ev := d.Event
			_ = enc.Encode(outboxLine{Op: "queued", EventID: ev.ID, Receiver: d.Receiver, Event: &ev})
			continue
		}
		id, receiver, _ := strings.Cut(k, "\x00")
		_ = enc.Encode(outboxLine{Op: "delivered", EventID: id, Receiver: receiver})
	}
	if err := atomicfile.Write(path, b.Bytes(), 0o600); err != nil {
		return fmt.Errorf("compact notification outbox: %w", err)
	}
	return nil
}

// replay applies the lines of data.
func (o *Outbox) replay(data []byte) {
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		var l outboxLine
		if json.Unmarshal(line, &l) != nil {
			continue
		}
		switch l.Op {
		case "created":
			if o.created.IsZero() {
				o.created = l.Time
			}
		case "queued":
			if l.Event == nil || l.EventID == "" || l.Event.ID != l.EventID {
				continue
			}
			d := Delivery{Event: *l.Event, Receiver: l.Receiver}
			if !o.known[d.key()] {
				o.known[d.key()] = true
				o.queued[d.key()] = d
			}
		case "delivered":
			k := l.EventID + "\x00" + l.Receiver
			o.known[k] = true
			delete(o.queued, k)
		}
	}
}

// Created is when the outbox was made: events of what happened before it are not derived again.
func (o *Outbox) Created() time.Time { return o.created }

// Queue records the deliveries of e to receivers that it has never queued before, durably, and
// returns them; what was queued before (delivered or not) is not returned again.
func (o *Outbox) Queue(e Event, receivers []string) ([]Delivery, error) {
	ds := make([]Delivery, len(receivers))
	for i, r := range receivers {
		ds[i] = Delivery{Event: e, Receiver: r}
	}
	return o.QueueAll(ds)
}

// QueueAll is Queue for many deliveries at once: one write and one fsync for all of them.
func (o *Outbox) QueueAll(ds []Delivery) ([]Delivery, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []Delivery
	var buf bytes.Buffer
	now := time.Now().UTC()
	seen := map[string]bool{}
	for _, d := range ds {
		if o.known[d.key()] || seen[d.key()] {
			continue
		}
		seen[d.key()] = true
		ev := d.Event
		line, err := json.Marshal(outboxLine{Op: "queued", Time: now, EventID: ev.ID, Receiver: d.Receiver, Event: &ev})
		if err != nil {
			return nil, fmt.Errorf("notification outbox: %w", err)
		}
		buf.Write(line)
		buf.WriteByte('\n')
		out = append(out, d)
	}
	if len(out) == 0 {
		return nil, nil
	}
	if err := o.write(buf.Bytes()); err != nil {
		return nil, err
	}
	for _, d := range out {
		o.known[d.key()] = true
		o.queued[d.key()] = d
	}
	return out, nil
}

// Delivered records that d reached its receiver.
func (o *Outbox) Delivered(d Delivery) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.append(outboxLine{Op: "delivered", Time: time.Now().UTC(), EventID: d.Event.ID, Receiver: d.Receiver}); err != nil {
		return err
	}
	delete(o.queued, d.key())
	return nil
}

// Pending returns the deliveries queued and not yet delivered (by an earlier run, or this one), in
// the order of their events' times.
func (o *Outbox) Pending() []Delivery {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]Delivery, 0, len(o.queued))
	for _, d := range o.queued {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Event.Time.Equal(out[j].Event.Time) {
			return out[i].Event.Time.Before(out[j].Event.Time)
		}
		return out[i].key() < out[j].key()
	})
	return out
}

func (o *Outbox) append(l outboxLine) error {
	line, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("notification outbox: %w", err)
	}
	return o.write(append(line, '\n'))
}

// write appends and fsyncs; o.mu must be held.
func (o *Outbox) write(b []byte) error {
	if _, err := o.f.Write(b); err != nil {
		return fmt.Errorf("write notification outbox: %w", err)
	}
	if err := o.f.Sync(); err != nil {
		return fmt.Errorf("fsync notification outbox: %w", err)
	}
	return nil
}

// Close closes the outbox file.
func (o *Outbox) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.f.Close()
}
