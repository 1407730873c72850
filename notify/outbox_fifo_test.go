package notify

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestOpenOutboxRefusesFIFO: a FIFO where the outbox goes is refused at once, not waited on.
func TestOpenOutboxRefusesFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json.outbox")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skip(err)
	}
	done := make(chan error, 1)
	go func() { _, err := OpenOutbox(path, time.Now()); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "is a named pipe") {
			t.Fatalf("OpenOutbox: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("OpenOutbox blocks on a FIFO")
	}
}
