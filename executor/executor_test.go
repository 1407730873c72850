package executor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/state"
)

// fakeProvider is a providers.Provider that records calls; steps named "fail" fail, "wait" blocks until ctx is done.
type fakeProvider struct {
	mu         sync.Mutex
	done       map[string]int // Do calls by key
	reconciled map[string]bool
	remote     map[string]bool // keys the "remote system" has seen
	active     int32
	maxActive  int32
	gate       chan struct{}                    // when set, Do of "migrate" waits on it
	earlier    map[model.Addr]map[string]string // Step.Earlier seen by "await", by address
	reconEarly map[string]map[string]string     // Step.Earlier seen by Reconcile, by key
	doEarly    map[string]map[string]string     // Step.Earlier seen by Do, by key
}

func newFake() *fakeProvider {
	return &fakeProvider{done: map[string]int{}, reconciled: map[string]bool{}, remote: map[string]bool{},
		earlier: map[model.Addr]map[string]string{}, reconEarly: map[string]map[string]string{}, doEarly: map[string]map[string]string{}}
}

func (f *fakeProvider) Read(context.Context, []providers.ReadRequest) (map[model.Addr]providers.Live, hcl.Diagnostics) {
	return nil, nil
}
func (f *fakeProvider) Plan(model.Instance, *state.Resource, providers.Live) (model.Change, hcl.Diagnostics) {
	return model.Change{}, nil
}

func (f *fakeProvider) Do(ctx context.Context, step model.Step, key string, progress func(model.Event)) (model.Outcome, error) {
	n := atomic.AddInt32(&f.active, 1)
	defer atomic.AddInt32(&f.active, -1)
	for {
		m := atomic.LoadInt32(&f.maxActive)
		if n <= m || atomic.CompareAndSwapInt32(&f.maxActive, m, n) {
			break
		}
	}
	f.mu.Lock()
	f.done[key]++
	f.remote[key] = true
	f.doEarly[key] = step.Earlier
	if step.Name == "await" {
		f.earlier[step.Addr] = step.Earlier
	}
	gate := f.gate
	f.mu.Unlock()
	switch step.Name {
	case "fail":
		return model.Outcome{}, errors.New("remote said no")
	case "unknown":
		return model.Outcome{}, fmt.Errorf("create: %w", model.ErrOutcomeUnknown)
	case "wait":
		progress(model.Event{Message: "waiting"})
		<-ctx.Done()
		return model.Outcome{}, ctx.Err()
	case "migrate":
		if gate != nil {
			<-gate
		}
		progress(model.Event{RemoteIDs: map[string]string{"migration_id": "m-" + key[:8]}})
		return model.Outcome{RemoteIDs: map[string]string{"migration_id": "m-" + key[:8]}, Status: "migrating"}, nil
	}
	return model.Outcome{Status: "migrated", Attributes: map[string]string{"quantity": "5"}}, nil
}

func (f *fakeProvider) Reconcile(ctx context.Context, step model.Step, key string) (model.Outcome, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reconciled[key] = true
	f.reconEarly[key] = step.Earlier
	if f.remote[key] {
		return model.Outcome{RemoteIDs: map[string]string{"migration_id": "m-" + key[:8]}}, true, nil
	}
	return model.Outcome{}, false, nil
}

func change(addr string, steps ...string) model.Change {
	c := model.Change{Addr: model.Addr(addr), Kind: "subscription", Provider: "fake", Action: model.ActionCreate,
		State: &state.Resource{Status: "migrated", RemoteIDs: map[string]string{"customer_id": "c1"}}}
	for _, s := range steps {
		c.Steps = append(c.Steps, model.Step{Addr: c.Addr, Provider: "fake", Name: s, Mutating: s == "migrate" || s == "fail" || s == "unknown", Attempt: 1})
	}
	return c
}

func openStore(t *testing.T) *state.Store {
	t.Helper()
	st, err := state.Open(filepath.Join(t.TempDir(), "ferry.state.json"))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func run(t *testing.T, f *fakeProvider, st *state.Store, opt Options, cs ...model.Change) Result {
	t.Helper()
	if opt.Lineage == "" {
		opt.Lineage = st.Lineage()
	}
	return Run(context.Background(), context.Background(), cs, map[string]providers.Provider{"fake": f}, st, opt)
}

func TestRunRecordsStepsAndState(t *testing.T) {
	f, st := newFake(), openStore(t)
	res := run(t, f, st, Options{}, change("a", "migrate", "await"), change("b", "migrate", "await"))
	if !res.OK() || res.Done != 2 {
		t.Fatalf("result = %+v", res)
	}
	r, ok := st.Get("a")
	if !ok {
		t.Fatal("a not in state")
	}
	if r.Status != "migrated" || r.RemoteIDs["customer_id"] != "c1" || r.RemoteIDs["migration_id"] == "" || r.Attributes["quantity"] != "5" {
		t.Errorf("state of a = %+v", r)
	}
	if s := r.Steps["migrate"]; s == nil || s.Status != state.StepDone || s.Key != IdempotencyKey(st.Lineage(), "a", "migrate", 1) {
		t.Errorf("migrate step = %+v", s)
	}
	if s := r.Steps["await"]; s == nil || s.Status != state.StepDone {
		t.Errorf("await step = %+v", s)
	}
	if len(f.done) != 4 {
		t.Errorf("Do calls by key = %v, want 4 distinct", f.done)
	}
	if got := f.earlier["a"]["migration_id"]; got != r.RemoteIDs["migration_id"] {
		t.Errorf("await saw Earlier migration_id %q, want %q", got, r.RemoteIDs["migration_id"])
	}
}

func TestResumeReconcilesIntentInsteadOfResending(t *testing.T) {
	for _, seen := range []bool{true, false} {
		t.Run(fmt.Sprintf("remote has it: %v", seen), func(t *testing.T) {
			f, st := newFake(), openStore(t)
			key := IdempotencyKey(st.Lineage(), "a", "migrate", 1)
			if err := st.Intent("a", "subscription", "fake", "migrate", 1, key); err != nil {
				t.Fatal(err)
			}
			f.remote[key] = seen
			res := run(t, f, st, Options{}, change("a", "migrate", "await"))
			if !res.OK() {
				t.Fatalf("result = %+v", res)
			}
			if !f.reconciled[key] {
				t.Error("the intent was not reconciled")
			}
			want := 0
			if !seen {
				want = 1
			}
			if f.done[key] != want {
				t.Errorf("migrate sent %d times, want %d", f.done[key], want)
			}
			r, _ := st.Get("a")
			if r.Steps["migrate"].Status != state.StepDone || r.RemoteIDs["migration_id"] == "" {
				t.Errorf("state = %+v", r.Steps["migrate"])
			}
		})
	}
}

func TestDoneStepIsNotResent(t *testing.T) {
	f, st := newFake(), openStore(t)
	key := IdempotencyKey(st.Lineage(), "a", "migrate", 1)
	if err := st.Intent("a", "subscription", "fake", "migrate", 1, key); err != nil {
		t.Fatal(err)
	}
	if err := st.Outcome("a", "migrate", state.StepOutcome{Attempt: 1, Key: key}); err != nil {
		t.Fatal(err)
	}
	run(t, f, st, Options{}, change("a", "migrate", "await"))
	if f.done[key] != 0 || f.reconciled[key] {
		t.Errorf("a done step was touched again: sent %d, reconciled %v", f.done[key], f.reconciled[key])
	}
}

func TestFailureSkipsDependentsOnly(t *testing.T) {
	f, st := newFake(), openStore(t)
	bad := change("bad", "fail")
	dep := change("dep", "migrate")
	dep.DependsOn = []model.Addr{"bad"}
	depdep := change("depdep", "migrate")
	depdep.DependsOn = []model.Addr{"dep"}
	free := change("free", "migrate", "await")
	res := run(t, f, st, Options{}, bad, dep, depdep, free)
	if res.Done != 1 || len(res.Failed) != 1 || res.Failed[0].Addr != "bad" || len(res.Skipped) != 2 {
		t.Fatalf("result = %+v", res)
	}
	r, _ := st.Get("bad")
	if r == nil || r.Steps["fail"].Status != state.StepFailed || r.Steps["fail"].Error == "" {
		t.Errorf("failed step not journaled: %+v", r)
	}
	if _, ok := st.Get("dep"); ok {
		t.Error("a skipped change reached the state")
	}
}

func TestDependencyOrder(t *testing.T) {
	f, st := newFake(), openStore(t)
	var order []model.Addr
	var mu sync.Mutex
	first := change("z-first", "migrate")
	second := change("a-second", "migrate")
	second.DependsOn = []model.Addr{"z-first"}
	run(t, f, st, Options{Parallelism: 4, OnEvent: func(e Event) {
		if e.Type == EventDone {
			mu.Lock()
			order = append(order, e.Addr)
			mu.Unlock()
		}
	}}, second, first)
	if len(order) != 2 || order[0] != "z-first" {
		t.Errorf("order = %v", order)
	}
}

// TestParallelismBound: with --parallelism n and more than n independent changes whose mutating
// step blocks, exactly n are in Do at once, never more and never fewer, until fewer than n remain.
// It runs in a synctest bubble: synctest.Wait returns once every goroutine is blocked, that is, once
// the executor has started all it is going to start, so the count is exact with no timing involved.
func TestParallelismBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n, total = 3, 12
		f, st := newFake(), openStore(t)
		f.gate = make(chan struct{}) // Do of "migrate" blocks on it; each send lets one step finish
		var cs []model.Change
		for i := 0; i < total; i++ {
			cs = append(cs, change(fmt.Sprintf("s%02d", i), "migrate"))
		}
		results := make(chan Result, 1)
		go func() { results <- run(t, f, st, Options{Parallelism: n}, cs...) }()
		for released := 0; released < total; released++ {
			synctest.Wait()
			want := int32(min(n, total-released))
			if got := atomic.LoadInt32(&f.active); got != want {
				t.Errorf("after %d steps finished: %d steps running at once, want %d", released, got, want)
				close(f.gate) // let everything finish so the bubble can end
				break
			}
			f.gate <- struct{}{}
		}
		res := <-results
		if res.Done != total {
			t.Fatalf("result = %+v", res)
		}
		if m := atomic.LoadInt32(&f.maxActive); m != n {
			t.Errorf("max concurrent steps = %d, want exactly %d", m, n)
		}
	})
}

func TestStopInterruptsWaitsAndKeepsStateConsistent(t *testing.T) {
	f, st := newFake(), openStore(t)
	stop, cancel := context.WithCancel(context.Background())
	var snapshots atomic.Int32
	started := make(chan struct{}, 1)
	opt := Options{Lineage: st.Lineage(), SnapshotEvery: 5 * time.Millisecond, OnSnapshot: func(s Snapshot) {
		if s.Waiting+s.Sending > 0 && snapshots.Add(1) == 3 {
			cancel()
		}
	}, OnEvent: func(e Event) {
		if e.Type == EventProgress && e.Message == "waiting" {
			select {
			case started <- struct{}{}:
			default:
			}
		}
	}}
	cs := []model.Change{change("a", "migrate", "wait")}
	for i := 0; i < 5; i++ {
		c := change(fmt.Sprintf("later%d", i), "migrate")
		c.DependsOn = []model.Addr{"a"}
		cs = append(cs, c)
	}
	res := Run(stop, context.Background(), cs, map[string]providers.Provider{"fake": f}, st, opt)
	if res.Interrupted != 1 || res.NotStarted != 5 || len(res.Failed) != 0 {
		t.Fatalf("result = %+v", res)
	}
	r, _ := st.Get("a")
	if r.Steps["migrate"].Status != state.StepDone {
		t.Errorf("the sent step was not journaled: %+v", r.Steps["migrate"])
	}
	if _, ok := r.Steps["wait"]; ok {
		t.Errorf("an interrupted wait was journaled as an outcome: %+v", r.Steps["wait"])
	}
}

func TestForgetRemovesFromState(t *testing.T) {
	f, st := newFake(), openStore(t)
	if err := st.Put(&state.Resource{Addr: "old", Kind: "subscription", Provider: "fake", Status: "migrated"}); err != nil {
		t.Fatal(err)
	}
	res := run(t, f, st, Options{}, model.Change{Addr: "old", Action: model.ActionForget})
	if !res.OK() {
		t.Fatal(res)
	}
	if _, ok := st.Get("old"); ok {
		t.Error("still in state")
	}
	if len(f.done) != 0 {
		t.Error("forget made a remote call")
	}
}

func TestIdempotencyKey(t *testing.T) {
	a := IdempotencyKey("lin", `subscription.m365["x"]`, "migrate", 1)
	if a != IdempotencyKey("lin", `subscription.m365["x"]`, "migrate", 1) {
		t.Error("not deterministic")
	}
	for _, other := range []string{
		IdempotencyKey("lin2", `subscription.m365["x"]`, "migrate", 1),
		IdempotencyKey("lin", `subscription.m365["y"]`, "migrate", 1),
		IdempotencyKey("lin", `subscription.m365["x"]`, "await", 1),
		IdempotencyKey("lin", `subscription.m365["x"]`, "migrate", 2),
	} {
		if other == a {
			t.Error("keys collide")
		}
	}
	if len(a) != 36 {
		t.Errorf("key %q is not a GUID", a)
	}
}

func TestUnknownOutcomeKeepsTheIntentForReconcile(t *testing.T) {
	f, st := newFake(), openStore(t)
	res := run(t, f, st, Options{}, change("a", "unknown", "await"))
	if len(res.Failed) != 1 || !errors.Is(res.Failed[0].Err, model.ErrOutcomeUnknown) {
		t.Fatalf("result = %+v", res)
	}
	r, _ := st.Get("a")
	rec := r.Steps["unknown"]
	if rec == nil || rec.Status != state.StepIntent || rec.Key != IdempotencyKey(st.Lineage(), "a", "unknown", 1) {
		t.Errorf("step record = %+v, want the intent kept without an outcome", rec)
	}
	if _, ran := r.Steps["await"]; ran {
		t.Error("the step after an unknown outcome ran")
	}
}

// TestKillAfterLastOutcomeLeavesACompleteEntry cuts the journal right after the outcome of a change's
// last step — what a kill -9 at that instant leaves on disk — and reopens the state: the entry must be
// complete (the final entry's customer_id with the step's status), never "migrated" without the IDs
// that say what was migrated. Before the fix the entry was put by a record of its own, after the
// outcome, and this instant left it partial for good.
func TestKillAfterLastOutcomeLeavesACompleteEntry(t *testing.T) {
	f := newFake()
	path := filepath.Join(t.TempDir(), "ferry.state.json")
	st, err := state.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if res := run(t, f, st, Options{}, change("a", "migrate", "await")); !res.OK() {
		t.Fatalf("run: %+v", res)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path + ".journal")
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	cut := -1
	for i, l := range lines {
		if bytes.Contains(l, []byte(`"op":"outcome"`)) && bytes.Contains(l, []byte(`"step":"await"`)) {
			cut = i
		}
		if bytes.Contains(l, []byte(`"op":"put"`)) {
			t.Errorf("line %d puts the entry in a record of its own; it must travel with the last outcome: %s", i+1, l)
		}
	}
	if cut < 0 {
		t.Fatalf("no outcome of await in the journal:\n%s", data)
	}
	if err := os.WriteFile(path+".journal", bytes.Join(lines[:cut+1], nil), 0o600); err != nil {
		t.Fatal(err)
	}
	reopened, err := state.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := reopened.Get("a")
	if !ok || r.Status != "migrated" || r.RemoteIDs["customer_id"] != "c1" || r.Attributes["quantity"] != "5" ||
		r.Steps["await"] == nil || r.Steps["await"].Status != state.StepDone {
		t.Errorf("entry after a kill right after the last outcome: %+v", r)
	}
	if r != nil && r.Steps["await"] != nil && r.Steps["await"].RemoteIDs["customer_id"] != "" {
		t.Errorf("the final entry's IDs leaked into the step record: %+v", r.Steps["await"])
	}
}

// TestFailedLastStepRecordsNoFinalEntry: the final entry is recorded only when the last step succeeds.
func TestFailedLastStepRecordsNoFinalEntry(t *testing.T) {
	f, st := newFake(), openStore(t)
	if res := run(t, f, st, Options{}, change("a", "migrate", "fail")); len(res.Failed) != 1 {
		t.Fatalf("run: %+v", res)
	}
	r, _ := st.Get("a")
	if r.Status != state.StatusFailed || r.RemoteIDs["customer_id"] != "" {
		t.Errorf("entry after a failed last step: %+v", r)
	}
}

// TestChangeWithoutStepsIsStillPut: an import (no steps) records its entry with a put.
func TestChangeWithoutStepsIsStillPut(t *testing.T) {
	f, st := newFake(), openStore(t)
	c := change("imp")
	c.Action, c.State.Status = model.ActionImport, state.StatusImported
	if res := run(t, f, st, Options{}, c); !res.OK() {
		t.Fatalf("run: %+v", res)
	}
	if r, ok := st.Get("imp"); !ok || r.Status != state.StatusImported || r.RemoteIDs["customer_id"] != "c1" {
		t.Errorf("imported entry: %+v", r)
	}
}

// Reconcile (and Do, when it finds nothing) sees the remote IDs the interrupted step journaled
// before it was sent: the Partner Center create journals its batch id so, and is found by it.
func TestReconcileSeesTheInterruptedStepsRemoteIDs(t *testing.T) {
	f, st := newFake(), openStore(t)
	key := IdempotencyKey(st.Lineage(), "a", "migrate", 1)
	if err := st.Intent("a", "subscription", "fake", "migrate", 1, key); err != nil {
		t.Fatal(err)
	}
	if err := st.Progress("a", "migrate", map[string]string{"batch_id": "b-1"}); err != nil {
		t.Fatal(err)
	}
	res := run(t, f, st, Options{}, change("a", "migrate", "await"))
	if !res.OK() {
		t.Fatalf("result = %+v", res)
	}
	if got := f.reconEarly[key]["batch_id"]; got != "b-1" {
		t.Errorf("Reconcile saw Earlier %v, want batch_id b-1", f.reconEarly[key])
	}
	if got := f.doEarly[key]["batch_id"]; got != "b-1" {
		t.Errorf("Do after an empty reconcile saw Earlier %v, want batch_id b-1", f.doEarly[key])
	}
}

// intentIDsFake is a fakeProvider whose migrate step sends an ID of its own besides the key.
type intentIDsFake struct{ *fakeProvider }

func (f intentIDsFake) IntentIDs(step model.Step) map[string]string {
	if step.Name != "migrate" {
		return nil
	}
	return map[string]string{"batch_id": "b-" + string(step.Addr)}
}

// The IDs a provider gives a step's intent are journaled with it (before Do) and passed to Do.
func TestIntentIDsAreJournaledWithTheIntentAndPassedToDo(t *testing.T) {
	f, st := newFake(), openStore(t)
	var sawIntent bool
	f.gate = make(chan struct{})
	go func() {
		// While migrate's Do waits, its intent is on disk with the batch id.
		for i := 0; i < 500; i++ {
			if r, ok := st.Get("a"); ok && r.Steps["migrate"] != nil && r.Steps["migrate"].RemoteIDs["batch_id"] == "b-a" {
				sawIntent = r.Steps["migrate"].Status == state.StepIntent
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		close(f.gate)
	}()
	res := Run(context.Background(), context.Background(), []model.Change{change("a", "migrate", "await")},
		map[string]providers.Provider{"fake": intentIDsFake{f}}, st, Options{Lineage: st.Lineage()})
	if !res.OK() {
		t.Fatalf("result = %+v", res)
	}
	if !sawIntent {
		t.Error("the intent was not journaled with the batch id before the step was sent")
	}
	key := IdempotencyKey(st.Lineage(), "a", "migrate", 1)
	if got := f.doEarly[key]["batch_id"]; got != "b-a" {
		t.Errorf("Do saw Earlier %v, want batch_id b-a", f.doEarly[key])
	}
}

// laggingProvider is a fakeProvider whose Reconcile reads an eventually consistent list: a send
// shows there only after lag has passed since it was made (a create whose answer was lost, read
// back too soon).
type laggingProvider struct {
	*fakeProvider
	lag    time.Duration
	settle time.Duration
	sentAt map[string]time.Time // keys "sent" by an earlier apply, and when
}

func (l *laggingProvider) Reconcile(ctx context.Context, step model.Step, key string) (model.Outcome, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reconciled[key] = true
	if at, ok := l.sentAt[key]; ok && time.Since(at) >= l.lag {
		return model.Outcome{RemoteIDs: map[string]string{"migration_id": "m-" + key[:8]}}, true, nil
	}
	return model.Outcome{}, false, nil
}

func (l *laggingProvider) Settle(model.Step) time.Duration { return l.settle }

// TestResumeWaitsForALaggingListBeforeResending: the earlier apply sent the create and died before
// the answer was journaled; the next apply starts at once, while the remote list does not show the
// object yet. Before the fix Reconcile's "not found" made the executor send the create again — a
// second order or migration. Now a provider that declares a settle time is asked again once that
// time has passed since the run began (the send was made before it), and the object is found.
func TestResumeWaitsForALaggingListBeforeResending(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, st := newFake(), openStore(t)
		key := IdempotencyKey(st.Lineage(), "a", "migrate", 1)
		if err := st.Intent("a", "subscription", "fake", "migrate", 1, key); err != nil {
			t.Fatal(err)
		}
		l := &laggingProvider{fakeProvider: f, lag: 20 * time.Second, settle: time.Minute,
			sentAt: map[string]time.Time{key: time.Now()}}
		var events []Event
		var mu sync.Mutex
		res := Run(context.Background(), context.Background(), []model.Change{change("a", "migrate", "await")},
			map[string]providers.Provider{"fake": l}, st, Options{Lineage: st.Lineage(), OnEvent: func(e Event) {
				mu.Lock()
				events = append(events, e)
				mu.Unlock()
			}})
		if !res.OK() {
			t.Fatalf("result = %+v", res)
		}
		if f.done[key] != 0 {
			t.Fatalf("migrate was sent again %d times although the remote system had it (its list lagged)", f.done[key])
		}
		r, _ := st.Get("a")
		if r.Steps["migrate"].Status != state.StepDone || r.RemoteIDs["migration_id"] != "m-"+key[:8] {
			t.Errorf("state = %+v, %v", r.Steps["migrate"], r.RemoteIDs)
		}
		var said, reconciled bool
		for _, e := range events {
			said = said || e.Type == EventProgress && bytes.Contains([]byte(e.Message), []byte("looking again"))
			reconciled = reconciled || e.Type == EventReconciled
		}
		if !said || !reconciled {
			t.Errorf("events = %+v; want a progress event saying it looks again, then reconciled", events)
		}
	})
}

// TestResumeSendsWhenNothingShowsAfterTheSettleTime: the intent was journaled but never sent (a
// kill between the two): after the settle time the step is sent, once.
func TestResumeSendsWhenNothingShowsAfterTheSettleTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, st := newFake(), openStore(t)
		key := IdempotencyKey(st.Lineage(), "a", "migrate", 1)
		if err := st.Intent("a", "subscription", "fake", "migrate", 1, key); err != nil {
			t.Fatal(err)
		}
		l := &laggingProvider{fakeProvider: f, lag: 20 * time.Second, settle: time.Minute, sentAt: map[string]time.Time{}}
		start := time.Now()
		res := Run(context.Background(), context.Background(), []model.Change{change("a", "migrate", "await")},
			map[string]providers.Provider{"fake": l}, st, Options{Lineage: st.Lineage()})
		if !res.OK() || f.done[key] != 1 {
			t.Fatalf("result = %+v, sent %d times; want sent once", res, f.done[key])
		}
		if waited := time.Since(start); waited < time.Minute || waited > time.Minute+time.Second {
			t.Errorf("waited %s before sending; want the settle time (1m)", waited)
		}
	})
}

// TestSettleWaitEndsAtStop: an interrupt during the settle wait sends nothing and keeps the intent.
func TestSettleWaitEndsAtStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, st := newFake(), openStore(t)
		key := IdempotencyKey(st.Lineage(), "a", "migrate", 1)
		if err := st.Intent("a", "subscription", "fake", "migrate", 1, key); err != nil {
			t.Fatal(err)
		}
		l := &laggingProvider{fakeProvider: f, lag: time.Hour, settle: time.Minute, sentAt: map[string]time.Time{}}
		stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		res := Run(stop, context.Background(), []model.Change{change("a", "migrate", "await")},
			map[string]providers.Provider{"fake": l}, st, Options{Lineage: st.Lineage()})
		if f.done[key] != 0 || res.Interrupted != 1 {
			t.Fatalf("result = %+v, sent %d times; want interrupted, nothing sent", res, f.done[key])
		}
		if r, _ := st.Get("a"); r.Steps["migrate"].Status != state.StepIntent {
			t.Errorf("step = %+v, want the intent kept", r.Steps["migrate"])
		}
	})
}
