package notify

import (
	"context"
	"net"
	"testing"
	"time"
)

// TestEmailAttemptEndsAtItsTimeout: an SMTP relay that greets and then says nothing more holds an
// attempt no longer than its context allows (the block's timeout), not go-mail's own 15 s per
// command.
func TestEmailAttemptEndsAtItsTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
			_, _ = c.Write([]byte("220 relay ready\r\n")) // and never another word
		}
	}()
	s, err := newEmailSender(&Email{To: []string{"ops@example.com"}, From: "ferry@example.com", SMTP: ln.Addr().String()},
		func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- s.send(ctx, Event{ID: "e1", Event: ApplyFinished}) }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a silent relay accepted the mail")
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("the attempt took %s; want about 500ms", d)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the attempt does not end at its timeout")
	}
}
