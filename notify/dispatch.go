package notify

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Options configure a Dispatcher.
type Options struct {
	// Getenv reads the webhook secrets and the SMTP credentials.
	Getenv func(string) string
	// Backoff is the wait before the first retry, doubled after each failure up to MaxBackoff
	// (default 1 s, 30 s).
	Backoff, MaxBackoff time.Duration
	// MaxAttempts bounds the attempts of one delivery within a run (default 5); what is still not
	// delivered stays in the outbox for the next run.
	MaxAttempts int
	// Parallel is the number of workers, so the bound on deliveries in flight (default 4).
	Parallel int
	// OnAttempt, when set, is told of every attempt and its error (nil: delivered); it may be
	// called from many goroutines.
	OnAttempt func(d Delivery, attempt int, err error)
}

// sender delivers one event to one receiver, once.
type sender interface {
	send(ctx context.Context, e Event) error
}

// FailedDelivery is a delivery that had not succeeded when the dispatcher closed.
type FailedDelivery struct {
	Delivery
	Attempts int
	Err      error
}

// job is one delivery to attempt, with its attempt number and the wait before the next one.
type job struct {
	dl      Delivery
	attempt int
	wait    time.Duration
}

// Dispatcher delivers queued events in the background with a fixed number of workers; nothing it
// does waits on the caller's work, and Close waits at most the longest receiver timeout.
type Dispatcher struct {
	outbox    *Outbox
	receivers map[string]*Receiver
	senders   map[string]sender
	opt       Options

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []job
	closing bool
	// deadline is when Close gives up (set when it starts): a retry due before it is still made.
	deadline time.Time
	// retries are the retries waiting for their backoff, by id, with the time each is due.
	retries map[uint64]time.Time
	nextID  uint64
	failed  map[string]*FailedDelivery
	queueMu sync.Mutex // serialises Notify's outbox writes with Close
}

// Start opens a dispatcher over outbox for receivers and starts delivering what earlier runs
// queued and did not deliver.
func Start(outbox *Outbox, receivers []Receiver, opt Options) (*Dispatcher, error) {
	if opt.Backoff <= 0 {
		opt.Backoff = time.Second
	}
	if opt.MaxBackoff <= 0 {
		opt.MaxBackoff = 30 * time.Second
	}
	if opt.MaxAttempts <= 0 {
		opt.MaxAttempts = 5
	}
	if opt.Parallel <= 0 {
		opt.Parallel = 4
	}
	if opt.Getenv == nil {
		opt.Getenv = func(string) string { return "" }
	}
	d := &Dispatcher{outbox: outbox, receivers: map[string]*Receiver{}, senders: map[string]sender{}, opt: opt,
		failed: map[string]*FailedDelivery{}, retries: map[uint64]time.Time{}}
	d.cond = sync.NewCond(&d.mu)
	d.ctx, d.cancel = context.WithCancel(context.Background())
	for i := range receivers {
		r := &receivers[i]
		d.receivers[r.Name] = r
		switch {
		case r.Webhook != nil:
			d.senders[r.Name] = newWebhookSender(r.Webhook, opt.Getenv)
		case r.Email != nil:
			s, err := newEmailSender(r.Email, opt.Getenv)
			if err != nil {
				d.cancel()
				return nil, fmt.Errorf("notify %q: %w", r.Name, err)
			}
			d.senders[r.Name] = s
		}
	}
	for range opt.Parallel {
		d.wg.Add(1)
		go d.worker()
	}
	for _, dl := range outbox.Pending() {
		d.push(job{dl: dl, attempt: 1, wait: opt.Backoff})
	}
	return d, nil
}

// Notify queues the events (durably, in the outbox: one fsync for all) for every receiver that
// wants them and has never had them queued, and delivers them in the background. It returns once the
// outbox holds them.
func (d *Dispatcher) Notify(events ...Event) error {
	names := make([]string, 0, len(d.receivers))
	for name := range d.receivers {
		names = append(names, name)
	}
	sort.Strings(names)
	var ds []Delivery
	for _, e := range events {
		for _, name := range names {
			if d.receivers[name].Wants(e.Event) {
				ds = append(ds, Delivery{Event: e, Receiver: name})
			}
		}
	}
	if len(ds) == 0 {
		return nil
	}
	d.queueMu.Lock()
	defer d.queueMu.Unlock()
	queued, err := d.outbox.QueueAll(ds)
	if err != nil {
		return err
	}
	for _, dl := range queued {
		d.push(job{dl: dl, attempt: 1, wait: d.opt.Backoff})
	}
	return nil
}

// push hands j to the workers (a first attempt is always made: the events of the end of a run).
func (d *Dispatcher) push(j job) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.queue = append(d.queue, j)
	d.cond.Signal()
}

// retry schedules the next attempt of j after its backoff, unless the dispatcher is closing and
// the attempt would come after Close gives up (the event stays in the outbox; its last failure is
// in d.failed).
func (d *Dispatcher) retry(j job) {
	d.mu.Lock()
	defer d.mu.Unlock()
	due := time.Now().Add(j.wait)
	if d.closing && !due.Before(d.deadline) {
		return
	}
	id := d.nextID
	d.nextID++
	d.retries[id] = due
	next := job{dl: j.dl, attempt: j.attempt + 1, wait: min(2*j.wait, d.opt.MaxBackoff)}
	time.AfterFunc(j.wait, func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		delete(d.retries, id)
		if !d.closing || (due.Before(d.deadline) && d.ctx.Err() == nil) {
			d.queue = append(d.queue, next)
		}
		d.cond.Broadcast()
	})
}

// awaited reports whether a retry is due before Close gives up (called with d.mu held, closing).
func (d *Dispatcher) awaited() bool {
	if d.ctx.Err() != nil {
		return false
	}
	for _, due := range d.retries {
		if due.Before(d.deadline) {
			return true
		}
	}
	return false
}

// next takes the next job; ok is false once the dispatcher is closing and nothing is left (no job
// queued, no retry due before Close gives up).
func (d *Dispatcher) next() (job, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for len(d.queue) == 0 && (!d.closing || d.awaited()) {
		d.cond.Wait()
	}
	if len(d.queue) == 0 {
		return job{}, false
	}
	j := d.queue[0]
	d.queue[0] = job{}
	d.queue = d.queue[1:]
	return j, true
}

func (d *Dispatcher) worker() {
	defer d.wg.Done()
	for {
		j, ok := d.next()
		if !ok {
			return
		}
		d.attempt(j)
	}
}

// attempt makes one attempt of j and, when it fails, schedules the next after its backoff.
func (d *Dispatcher) attempt(j job) {
	r, s := d.receivers[j.dl.Receiver], d.senders[j.dl.Receiver]
	if r == nil || s == nil {
		d.fail(j.dl, 0, fmt.Errorf("no notify %q block in the spec any more; the event stays in the outbox", j.dl.Receiver))
		return
	}
	if d.ctx.Err() != nil {
		d.fail(j.dl, j.attempt-1, errors.New("not sent before ferry stopped waiting; it stays in the outbox for the next run"))
		return
	}
	ctx, cancel := context.WithTimeout(d.ctx, r.Timeout())
	err := s.send(ctx, j.dl.Event)
	if err != nil && (errors.Is(ctx.Err(), context.DeadlineExceeded) || d.ctx.Err() != nil) {
		// Its own timeout, or the end of the run's grace (the longest timeout) came first.
		err = fmt.Errorf("no answer within %s (%w)", r.Timeout(), err)
	}
	cancel()
	if err == nil {
		err = d.outbox.Delivered(j.dl)
		if err == nil {
			d.mu.Lock()
			delete(d.failed, j.dl.key())
			d.mu.Unlock()
		}
		if d.opt.OnAttempt != nil {
			d.opt.OnAttempt(j.dl, j.attempt, nil)
		}
		return
	}
	if d.opt.OnAttempt != nil {
		d.opt.OnAttempt(j.dl, j.attempt, err)
	}
	if d.ctx.Err() != nil && j.attempt > 1 {
		// A retry cut short by the end of the run's grace: the answer of the attempt before says
		// more about the receiver than the cancellation.
		d.mu.Lock()
		if prev := d.failed[j.dl.key()]; prev != nil {
			err = prev.Err
		}
		d.mu.Unlock()
	}
	d.fail(j.dl, j.attempt, err)
	if j.attempt >= d.opt.MaxAttempts {
		return
	}
	var ra *retryAfterError
	if errors.As(err, &ra) && ra.wait > j.wait {
		j.wait = ra.wait // the receiver said when to come back
	}
	d.retry(j)
}

func (d *Dispatcher) fail(dl Delivery, attempts int, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.failed[dl.key()] = &FailedDelivery{Delivery: dl, Attempts: attempts, Err: err}
}

// Close lets the workers make the attempts still queued and the retries due within the longest
// receiver timeout (so the events of the end of a run get retried too), gives them up to that
// timeout, cancels what is left, and returns the deliveries that did not succeed (sorted by event
// time). They stay in the outbox; the next run sends them again. The outbox is not closed.
func (d *Dispatcher) Close() []FailedDelivery {
	grace := time.Duration(0)
	for _, r := range d.receivers {
		grace = max(grace, r.Timeout())
	}
	d.queueMu.Lock()
	d.mu.Lock()
	d.closing = true
	d.deadline = time.Now().Add(grace)
	d.cond.Broadcast()
	d.mu.Unlock()
	d.queueMu.Unlock()
	done := make(chan struct{})
	go func() {
		d.wg.Wait()
		close(done)
	}()
	t := time.NewTimer(grace)
	select {
	case <-done:
		t.Stop()
	case <-t.C:
		d.cancel()
		d.mu.Lock()
		d.cond.Broadcast() // workers waiting for a retry stop waiting
		d.mu.Unlock()
		<-done
	}
	d.cancel()
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]FailedDelivery, 0, len(d.failed))
	for _, f := range d.failed {
		out = append(out, *f)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Event.Time.Equal(out[j].Event.Time) {
			return out[i].Event.Time.Before(out[j].Event.Time)
		}
		return out[i].key() < out[j].key()
	})
	return out
}
