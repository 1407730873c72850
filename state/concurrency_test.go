package state

import (
	"fmt"
	"sync"
	"testing"
)

func TestConcurrentJournaling(t *testing.T) {
	path := statePath(t)
	s := openT(t, path)
	const workers, perWorker = 16, 30
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker*3+workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				addr := fmt.Sprintf("cutover.w%d_%d", w, i)
				errs <- s.Intent(addr, "cutover", "mgn", "cutover", 1, addr)
				errs <- s.Progress(addr, "cutover", map[string]string{"job_id": addr})
				errs <- s.Outcome(addr, "cutover", StepOutcome{Status: StatusDone})
				// Everyone also touches one shared resource.
				_ = s.Outcome("skip_list.shared", fmt.Sprint("w", w), StepOutcome{Kind: "skip_list", Provider: "connect"})
				_, _ = s.Get(addr)
				_ = s.Addrs()
				if i == perWorker/2 && w%4 == 0 {
					errs <- s.Compact()
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got, want := s.Len(), workers*perWorker+1; got != want {
		t.Fatalf("Len %d, want %d", got, want)
	}
	wantSerial := uint64(workers*perWorker*4 + workers/4)
	if s.Serial() != wantSerial {
		t.Fatalf("serial %d, want %d", s.Serial(), wantSerial)
	}
	for w := range workers {
		r, ok := s.Get(fmt.Sprintf("cutover.w%d_%d", w, perWorker-1))
		if !ok || r.Status != StatusDone || r.RemoteIDs["job_id"] == "" {
			t.Fatalf("worker %d: %+v", w, r)
		}
	}
	sameState(t, s.Snapshot(), openT(t, path).Snapshot())
}
