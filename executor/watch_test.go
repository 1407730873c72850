package executor

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/state"
)

// watchFake is a provider whose "await" steps are waits read in batches through Status. Remote work
// ends once doneAfter creates have been sent (doneAfter 0: never).
type watchFake struct {
	*fakeProvider
	mu        sync.Mutex
	creates   int
	doneAfter int
	calls     [][]model.Addr // the waits of each Status call
	failReads int            // Status fails this many times first
	maxSlots  int            // the most "migrate" calls seen at once (through fakeProvider)
}

func (w *watchFake) WatchPace() (time.Duration, time.Duration) { return time.Second, 4 * time.Second }

func (w *watchFake) Do(ctx context.Context, step model.Step, key string, progress func(model.Event)) (model.Outcome, error) {
	if step.Name == "migrate" {
		w.mu.Lock()
		w.creates++
		w.mu.Unlock()
	}
	return w.fakeProvider.Do(ctx, step, key, progress)
}

func (w *watchFake) Status(ctx context.Context, waits []model.Wait) (map[model.Addr]model.WaitStatus, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	addrs := make([]model.Addr, len(waits))
	for i, wt := range waits {
		addrs[i] = wt.Addr
	}
	w.calls = append(w.calls, addrs)
	if w.failReads > 0 {
		w.failReads--
		return nil, errors.New("service unavailable")
	}
	out := map[model.Addr]model.WaitStatus{}
	for _, wt := range waits {
		if w.doneAfter > 0 && w.creates >= w.doneAfter {
			out[wt.Addr] = model.WaitStatus{Done: true, Outcome: model.Outcome{Status: "migrated",
				RemoteIDs: map[string]string{"migration_id": wt.Step.Earlier["migration_id"]}}}
		} else {
			out[wt.Addr] = model.WaitStatus{Message: "migrating (Processing)"}
		}
	}
	return out, nil
}

func waitChange(addr string) model.Change {
	c := change(addr, "migrate", "await")
	c.Steps[1].Wait = true
	c.Steps[1].Timeout = time.Hour
	return c
}

func runWatched(f *watchFake, stop context.Context, parallelism int, cs ...model.Change) (Result, error) {
	st, err := openStoreErr()
	if err != nil {
		return Result{}, err
	}
	return Run(stop, context.Background(), cs, map[string]providers.Provider{"fake": f}, st,
		Options{Lineage: st.Lineage(), Parallelism: parallelism}), nil
}

// TestWaitsHoldNoSlot: with --parallelism 1, six changes each create a migration and wait for it, and
// the remote work ends only once all six creates were sent. If a wait held the slot, the second
// create could never be sent and the run would deadlock (synctest reports it). The waits are read in
// batches: a handful of Status calls for all six, never one read per wait per round.
func TestWaitsHoldNoSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &watchFake{fakeProvider: newFake(), doneAfter: 6}
		var cs []model.Change
		for _, a := range []string{"a", "b", "c", "d", "e", "f"} {
			cs = append(cs, waitChange(a))
		}
		res, err := runWatched(f, context.Background(), 1, cs...)
		if err != nil {
			t.Fatal(err)
		}
		if !res.OK() || res.Done != 6 {
			t.Fatalf("result %+v", res)
		}
		if m := f.fakeProvider.maxActive; m != 1 {
			t.Errorf("%d calls ran at once with parallelism 1", m)
		}
		if len(f.calls) == 0 || int64(len(f.calls)) != res.StatusReads {
			t.Fatalf("status reads: %d calls, result says %d", len(f.calls), res.StatusReads)
		}
		last := f.calls[len(f.calls)-1]
		if len(last) != 6 {
			t.Errorf("the last Status call read %d waits, want all 6 in one batch: %v", len(last), f.calls)
		}
		if len(f.calls) > 6 {
			t.Errorf("%d Status calls for 6 waits: not batched: %v", len(f.calls), f.calls)
		}
	})
}

// TestWaitTimeoutIsStillWaiting: a wait whose step timeout passes is not a failure: the change is
// reported as still in progress, for the next apply to keep waiting.
func TestWaitTimeoutIsStillWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &watchFake{fakeProvider: newFake()} // never done
		c := waitChange("a")
		c.Steps[1].Timeout = 10 * time.Second
		res, err := runWatched(f, context.Background(), 2, c)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Failed) != 0 || len(res.StillWaiting) != 1 || res.OK() {
			t.Fatalf("result %+v", res)
		}
		if !errors.Is(res.StillWaiting[0].Err, errStillWaiting) {
			t.Errorf("error %v", res.StillWaiting[0].Err)
		}
	})
}

// TestWaitStatusErrorsEndAsStillWaiting: a status that cannot be read again and again ends the wait
// as still in progress (never as a failure of the remote work).
func TestWaitStatusErrorsEndAsStillWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &watchFake{fakeProvider: newFake(), failReads: 100}
		res, err := runWatched(f, context.Background(), 2, waitChange("a"))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.StillWaiting) != 1 || len(res.Failed) != 0 || len(f.calls) != maxStatusFailures {
			t.Fatalf("result %+v after %d reads", res, len(f.calls))
		}
	})
}

// TestStopEndsWaitsAtOnce: an interrupt ends every wait at once; the changes are interrupted (a
// re-apply resumes them), and no Status call is made after it.
func TestStopEndsWaitsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &watchFake{fakeProvider: newFake()}
		stop, cancel := context.WithCancel(context.Background())
		done := make(chan Result)
		go func() {
			res, _ := runWatched(f, stop, 2, waitChange("a"), waitChange("b"), waitChange("c"))
			done <- res
		}()
		time.Sleep(3 * time.Second)
		synctest.Wait()
		f.mu.Lock()
		reads := len(f.calls)
		f.mu.Unlock()
		cancel()
		res := <-done
		if res.Interrupted != 3 || res.Done != 0 {
			t.Fatalf("result %+v", res)
		}
		if len(f.calls) != reads {
			t.Errorf("%d status reads after the interrupt", len(f.calls)-reads)
		}
	})
}

// openStoreErr opens a state in a temporary directory (for use inside a synctest bubble, where
// t.TempDir cleanup runs outside it).
func openStoreErr() (*state.Store, error) {
	dir, err := os.MkdirTemp("", "ferry-exec-")
	if err != nil {
		return nil, err
	}
	return state.Open(filepath.Join(dir, "ferry.state.json"))
}
