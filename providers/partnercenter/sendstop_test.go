package partnercenter

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/providers"
)

// TestStopEndsPacingWithoutSending: a create waiting for the client-side create limit gives up the
// moment the run stops (providers.WithSendStop), with ErrNotSent, and sends nothing; a create whose
// request was under way is not affected by the stop. The limit here is 1 create per hour, so a wait
// that ignored the stop would hang the test.
func TestStopEndsPacingWithoutSending(t *testing.T) {
	var posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		fmt.Fprint(w, `{"id":"m1","status":"Processing","currentSubscriptionId":"s"}`)
	}))
	defer srv.Close()
	lim := NoLimits()
	lim.CreatePerPartner = Rate{Requests: 1, Per: time.Hour}
	c, err := NewClient(ClientConfig{BaseURL: srv.URL + "/v1", Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	stop, cancel := context.WithCancel(context.Background())
	ctx := providers.WithSendStop(context.Background(), stop)
	if _, err := c.CreateMigration(ctx, "c", MigrationRequest{CurrentSubscriptionID: "s"}, "k1"); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := c.CreateMigration(ctx, "c", MigrationRequest{CurrentSubscriptionID: "s2"}, "k2")
		errc <- err
	}()
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, providers.ErrNotSent) {
			t.Fatalf("err = %v, want ErrNotSent", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the paced create did not end when the run stopped")
	}
	if n := posts.Load(); n != 1 {
		t.Errorf("%d creates sent, want 1", n)
	}
	// Once stopping, nothing more is sent at all.
	if _, err := c.CreateMigration(ctx, "c", MigrationRequest{CurrentSubscriptionID: "s3"}, "k3"); !errors.Is(err, providers.ErrNotSent) {
		t.Errorf("a create after the stop: %v", err)
	}
	if n := posts.Load(); n != 1 {
		t.Errorf("%d creates sent, want 1", n)
	}
}

// TestRecordedSendsPace: creates an earlier run sent within the window count against the limit, so
// the first create of a re-apply waits for the oldest of them to leave the window; older ones do not.
func TestRecordedSendsPace(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	w := newWindow(Rate{Requests: 3, Per: 5 * time.Minute})
	w.now = func() time.Time { return now }
	w.seed([]time.Time{now.Add(-time.Hour), now.Add(-4 * time.Minute), now.Add(-2 * time.Minute), now.Add(-time.Minute)})
	d := w.reserve()
	// The oldest recent send (4 minutes ago) leaves the window (5 minutes plus its 2 % margin) in
	// about a minute.
	if d < 50*time.Second || d > 80*time.Second {
		t.Fatalf("first create after the seed waits %s, want about a minute", d)
	}
	fresh := newWindow(Rate{Requests: 3, Per: 5 * time.Minute})
	fresh.now = w.now
	fresh.seed([]time.Time{now.Add(-time.Hour)})
	if d := fresh.reserve(); d != 0 {
		t.Errorf("a send an hour ago made the first create wait %s", d)
	}
}
