package notify_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/internal/receivertest"
	"github.com/ferry-dev/ferry/notify"
)

func event(kind, addr string) notify.Event {
	e := notify.New(kind, "lineage-1", addr)
	e.Time, e.Address, e.Message = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), addr, kind+" of "+addr
	return e
}

func fastOpts(env map[string]string) notify.Options {
	return notify.Options{Getenv: func(k string) string { return env[k] }, Backoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}
}

func open(t *testing.T, dir string) *notify.Outbox {
	t.Helper()
	o, err := notify.OpenOutbox(filepath.Join(dir, "ferry.state.json.outbox"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = o.Close() })
	return o
}

// A signed webhook gets each event once; queuing the same events again (a re-apply) sends nothing.
func TestWebhookOncePerEvent(t *testing.T) {
	hook := receivertest.NewHook("s3cret-key-value")
	defer hook.Close()
	recv := []notify.Receiver{{Name: "ops", Events: []string{notify.ChangeFailed, notify.ApplyFinished},
		Webhook: &notify.Webhook{URL: hook.URL, SecretEnv: "HOOK_SECRET", Timeout: 2 * time.Second}}}
	env := map[string]string{"HOOK_SECRET": "s3cret-key-value"}
	dir := t.TempDir()
	for round := range 2 {
		d, err := notify.Start(open(t, dir), recv, fastOpts(env))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range []notify.Event{event(notify.ChangeFailed, "a"), event(notify.ChangeFailed, "b"),
			event(notify.MigrationCompleted, "c"), event(notify.ApplyFinished, "")} {
			if err := d.Notify(e); err != nil {
				t.Fatal(err)
			}
		}
		if failed := d.Close(); len(failed) != 0 {
			t.Fatalf("round %d: failed deliveries %v", round, failed)
		}
	}
	got := hook.Got()
	if len(got) != 3 {
		t.Fatalf("receiver got %d requests, want 3 (two change_failed, one apply_finished): %+v", len(got), got)
	}
	for _, r := range got {
		if !r.SignedOK {
			t.Errorf("%s: bad signature", r.Event)
		}
		if strings.Contains(string(r.Body), "s3cret-key-value") {
			t.Errorf("the secret is in the payload: %s", r.Body)
		}
	}
}

// A webhook with secret_env whose variable is unset is not sent unsigned: the delivery fails, names
// the variable, and the event stays in the outbox for a run that has the key.
func TestWebhookWithoutItsSecretIsNotSentUnsigned(t *testing.T) {
	hook := receivertest.NewHook("s3cret-key-value")
	defer hook.Close()
	recv := []notify.Receiver{{Name: "ops", Events: []string{notify.ApplyFinished},
		Webhook: &notify.Webhook{URL: hook.URL, SecretEnv: "HOOK_SECRET", Timeout: 2 * time.Second}}}
	dir := t.TempDir()
	opts := fastOpts(map[string]string{})
	opts.MaxAttempts = 1
	d, err := notify.Start(open(t, dir), recv, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Notify(event(notify.ApplyFinished, "")); err != nil {
		t.Fatal(err)
	}
	failed := d.Close()
	if len(failed) != 1 || !strings.Contains(failed[0].Err.Error(), "HOOK_SECRET") {
		t.Fatalf("failed deliveries %v, want one naming HOOK_SECRET", failed)
	}
	if got := hook.Got(); len(got) != 0 {
		t.Fatalf("the receiver got %d unsigned requests, want none", len(got))
	}
	d, err = notify.Start(open(t, dir), recv, fastOpts(map[string]string{"HOOK_SECRET": "s3cret-key-value"}))
	if err != nil {
		t.Fatal(err)
	}
	if failed := d.Close(); len(failed) != 0 {
		t.Fatalf("next run: failed deliveries %v", failed)
	}
	got := hook.Got()
	if len(got) != 1 || !got[0].SignedOK {
		t.Fatalf("next run: receiver got %+v, want the one event, signed", got)
	}
}

// A receiver answering 500 does not fail anything: the delivery is reported failed, stays in the
// outbox, and the next run delivers it with the same event_id.
func TestFailingReceiverKeepsEventForNextRun(t *testing.T) {
	hook := receivertest.NewHook("k")
	defer hook.Close()
	hook.SetMode("500")
	recv := []notify.Receiver{{Name: "ops", Events: []string{notify.ChangeBlocked},
		Webhook: &notify.Webhook{URL: hook.URL, SecretEnv: "K", Timeout: time.Second}}}
	env := map[string]string{"K": "k"}
	dir := t.TempDir()
	d, err := notify.Start(open(t, dir), recv, fastOpts(env))
	if err != nil {
		t.Fatal(err)
	}
	e := event(notify.ChangeBlocked, "x")
	if err := d.Notify(e); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // let some retries happen (not asserted)
	failed := d.Close()
	if len(failed) != 1 || failed[0].Event.ID != e.ID || !strings.Contains(failed[0].Err.Error(), "500") {
		t.Fatalf("failed = %+v, want the one delivery with the 500", failed)
	}
	hook.SetMode("")
	d, err = notify.Start(open(t, dir), recv, fastOpts(env))
	if err != nil {
		t.Fatal(err)
	}
	if failed := d.Close(); len(failed) != 0 {
		t.Fatalf("second run: %v", failed)
	}
	got := hook.Got()
	if len(got) != 1 || got[0].EventID != e.ID {
		t.Fatalf("got %+v, want the event %s once", got, e.ID)
	}
}

// A receiver that never answers is given up at its timeout: Close returns and reports it.
func TestHangingReceiverEndsAtTimeout(t *testing.T) {
	hook := receivertest.NewHook("k")
	defer hook.Close()
	hook.SetMode("hang")
	recv := []notify.Receiver{{Name: "slow", Events: []string{notify.ApplyFinished},
		Webhook: &notify.Webhook{URL: hook.URL, Timeout: 200 * time.Millisecond}}}
	d, err := notify.Start(open(t, t.TempDir()), recv, fastOpts(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Notify(event(notify.ApplyFinished, "")); err != nil {
		t.Fatal(err)
	}
	failed := d.Close()
	if len(failed) != 1 || !strings.Contains(failed[0].Err.Error(), "no answer within") {
		t.Fatalf("failed = %+v", failed)
	}
}

// Email goes through STARTTLS with the credentials from the environment; the password appears in
// no message.
func TestEmailOverSTARTTLS(t *testing.T) {
	srv, err := receivertest.NewSMTP("ferry", "smtp-pass-123456")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, srv.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{notify.EnvSMTPUsername: "ferry", notify.EnvSMTPPassword: "smtp-pass-123456", notify.EnvSMTPCAFile: ca}
	recv := []notify.Receiver{{Name: "mail", Events: []string{notify.MigrationCompleted},
		Email: &notify.Email{To: []string{"ops@example.com"}, From: "ferry@example.com", SMTP: srv.Addr, Timeout: 5 * time.Second}}}
	dir := t.TempDir()
	for range 2 {
		d, err := notify.Start(open(t, dir), recv, fastOpts(env))
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Notify(event(notify.MigrationCompleted, "m")); err != nil {
			t.Fatal(err)
		}
		if failed := d.Close(); len(failed) != 0 {
			t.Fatalf("failed: %v", failed[0].Err)
		}
	}
	got := srv.Got()
	if len(got) != 1 {
		t.Fatalf("got %d messages, want 1", len(got))
	}
	if !got[0].TLS || got[0].User != "ferry" || got[0].Event != notify.MigrationCompleted {
		t.Fatalf("message: tls=%v user=%q event=%q", got[0].TLS, got[0].User, got[0].Event)
	}
	if strings.Contains(string(got[0].Body), "smtp-pass-123456") {
		t.Fatal("the SMTP password is in the message")
	}
}

func TestCheckWebhookURL(t *testing.T) {
	for u, ok := range map[string]bool{
		"https://hooks.example.com/ferry": true, "http://127.0.0.1:8080/x": true, "http://[::1]/x": true, "http://localhost/x": true,
		"http://hooks.example.com/x": false, "ftp://x/y": false, "https://user:pw@x/": false, "https:///nohost": false, "::": false,
	} {
		if err := notify.CheckWebhookURL(u); (err == nil) != ok {
			t.Errorf("CheckWebhookURL(%q) = %v, want ok=%v", u, err, ok)
		}
	}
}

// The outbox survives a torn last line (kill -9 in mid-write) and garbage.
func FuzzOutboxReplay(f *testing.F) {
	f.Add([]byte(`{"op":"created","time":"2026-12-01T09:00:00Z"}` + "\n" + `{"op":"queued","event_id":"e","receiver":"r","event":{"event_id":"e"}}` + "\n" + `{"op":"deliv`))
	f.Add([]byte("\x00\xff\n{}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		p := filepath.Join(dir, "o")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		o, err := notify.OpenOutbox(p, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		_ = o.Pending()
		if _, err := o.Queue(event(notify.ApplyFinished, ""), []string{"r"}); err != nil {
			t.Fatal(err)
		}
		_ = o.Close()
		o2, err := notify.OpenOutbox(p, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		defer o2.Close()
		if q, _ := o2.Queue(event(notify.ApplyFinished, ""), []string{"r"}); len(q) != 0 {
			t.Fatal("an event queued before was queued again after reopening")
		}
	})
}

// A long outbox is compacted when opened: delivered payloads go, their keys (de-duplication) and the
// undelivered events stay.
func TestOutboxCompacts(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "o")
	o, err := notify.OpenOutbox(path, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 4096)
	var first notify.Event
	for i := range 400 {
		e := event(notify.ChangeFailed, fmt.Sprint("a", i))
		e.Message = big
		q, err := o.Queue(e, []string{"r"})
		if err != nil || len(q) != 1 {
			t.Fatal(q, err)
		}
		if i == 0 {
			first = e
			continue // left undelivered
		}
		if err := o.Delivered(q[0]); err != nil {
			t.Fatal(err)
		}
	}
	created := o.Created()
	_ = o.Close()
	before, _ := os.Stat(path)
	o2, err := notify.OpenOutbox(path, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer o2.Close()
	after, _ := os.Stat(path)
	if after.Size() >= before.Size()/10 {
		t.Errorf("outbox %d bytes after compaction, %d before", after.Size(), before.Size())
	}
	if !o2.Created().Equal(created) {
		t.Errorf("created %v, want %v", o2.Created(), created)
	}
	if p := o2.Pending(); len(p) != 1 || p[0].Event.ID != first.ID || p[0].Event.Message != big {
		t.Errorf("pending after compaction: %d", len(p))
	}
	for i := range 400 {
		if q, _ := o2.Queue(event(notify.ChangeFailed, fmt.Sprint("a", i)), []string{"r"}); len(q) != 0 {
			t.Fatalf("event %d queued again after compaction", i)
		}
	}
}

// The events queued at the end of a run (apply_finished) are retried too, within the longest
// receiver timeout: a receiver that fails twice and then answers gets the event in this run. Close
// used to stop all retries, so a single 502 at the end of an apply left apply_finished for the
// next apply, however long the timeout.
func TestEndOfRunEventRetriedWithinTimeout(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n <= 2 {
			http.Error(w, "bad gateway", http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hook.Close()
	recv := []notify.Receiver{{Name: "ops", Events: []string{notify.ApplyFinished},
		Webhook: &notify.Webhook{URL: hook.URL, Timeout: 2 * time.Second}}}
	opts := notify.Options{Backoff: 50 * time.Millisecond, MaxBackoff: 100 * time.Millisecond}
	d, err := notify.Start(open(t, t.TempDir()), recv, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Notify(event(notify.ApplyFinished, "")); err != nil {
		t.Fatal(err)
	}
	if failed := d.Close(); len(failed) != 0 {
		t.Fatalf("failed deliveries %+v, want the event delivered by its third attempt", failed)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 3 {
		t.Fatalf("%d requests, want 3 (two failures, then the delivery)", calls)
	}
}

// A receiver that keeps failing holds Close no longer than the longest receiver timeout: the
// retries due after it are not waited for, and the failure is reported.
func TestCloseRetriesNoLongerThanTheTimeout(t *testing.T) {
	hook := receivertest.NewHook("k")
	defer hook.Close()
	hook.SetMode("500")
	recv := []notify.Receiver{{Name: "ops", Events: []string{notify.ApplyFinished},
		Webhook: &notify.Webhook{URL: hook.URL, Timeout: 300 * time.Millisecond}}}
	opts := notify.Options{Backoff: 100 * time.Millisecond, MaxBackoff: time.Second}
	d, err := notify.Start(open(t, t.TempDir()), recv, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Notify(event(notify.ApplyFinished, "")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	failed := d.Close()
	if took := time.Since(start); took > 600*time.Millisecond {
		t.Errorf("Close took %s, want at most about the 300ms timeout", took)
	}
	if len(failed) != 1 || failed[0].Attempts < 2 || !strings.Contains(failed[0].Err.Error(), "500") {
		t.Fatalf("failed = %+v, want the one delivery, retried, with the 500", failed)
	}
}

// A retry cut short by the end of the grace reports the receiver's last answer (the 500), not the
// cancellation.
func TestRetryCutShortKeepsTheLastAnswer(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	release := make(chan struct{})
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 1 {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		select { // the retry hangs past the grace
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hook.Close()
	defer close(release)
	recv := []notify.Receiver{{Name: "ops", Events: []string{notify.ApplyFinished},
		Webhook: &notify.Webhook{URL: hook.URL, Timeout: 300 * time.Millisecond}}}
	d, err := notify.Start(open(t, t.TempDir()), recv, notify.Options{Backoff: 150 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Notify(event(notify.ApplyFinished, "")); err != nil {
		t.Fatal(err)
	}
	failed := d.Close()
	mu.Lock()
	n := calls
	mu.Unlock()
	if n != 2 {
		t.Fatalf("%d requests, want 2 (the 500, then the retry cut short)", n)
	}
	if len(failed) != 1 || failed[0].Attempts != 2 || !strings.Contains(failed[0].Err.Error(), "500") {
		t.Fatalf("failed = %+v, want the delivery with the receiver's 500", failed)
	}
}

// A receiver that redirects is not followed (the signed body could be carried to another host),
// and the failure says so, so the spec's url is fixed rather than puzzled over.
func TestWebhookRedirectNotFollowed(t *testing.T) {
	var mu sync.Mutex
	elsewhere := 0
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		elsewhere++
		mu.Unlock()
	}))
	defer other.Close()
	hook := httptest.NewServer(http.RedirectHandler(other.URL+"/moved", http.StatusTemporaryRedirect))
	defer hook.Close()
	recv := []notify.Receiver{{Name: "ops", Events: []string{notify.ApplyFinished},
		Webhook: &notify.Webhook{URL: hook.URL, SecretEnv: "K", Timeout: time.Second}}}
	opts := fastOpts(map[string]string{"K": "k"})
	opts.MaxAttempts = 1
	d, err := notify.Start(open(t, t.TempDir()), recv, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Notify(event(notify.ApplyFinished, "")); err != nil {
		t.Fatal(err)
	}
	failed := d.Close()
	if len(failed) != 1 || !strings.Contains(failed[0].Err.Error(), "307 Temporary Redirect; redirects are not followed") {
		t.Fatalf("failed = %+v, want the redirect named as not followed", failed)
	}
	mu.Lock()
	defer mu.Unlock()
	if elsewhere != 0 {
		t.Fatalf("the redirect was followed: the other host got %d requests", elsewhere)
	}
}

// A receiver that answers 429 with Retry-After is tried again no sooner than it asked (the backoff
// alone would have tried again within milliseconds), and the delivery then succeeds.
func TestRetryAfterOfTheReceiverIsHonoured(t *testing.T) {
	var mu sync.Mutex
	var times []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		n := len(times)
		mu.Unlock()
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	recv := []notify.Receiver{{Name: "ops", Events: []string{notify.ApplyFinished},
		Webhook: &notify.Webhook{URL: srv.URL, Timeout: 3 * time.Second}}}
	d, err := notify.Start(open(t, t.TempDir()), recv, fastOpts(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Notify(event(notify.ApplyFinished, "")); err != nil {
		t.Fatal(err)
	}
	if failed := d.Close(); len(failed) != 0 {
		t.Fatalf("failed = %+v, want the event delivered on its second attempt", failed)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(times) != 2 {
		t.Fatalf("%d attempts, want 2", len(times))
	}
	if gap := times[1].Sub(times[0]); gap < 900*time.Millisecond {
		t.Errorf("second attempt %s after the 429, want at least the 1 s its Retry-After asked", gap)
	}
}
