package mgn

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestEndlessAnswerIsBounded: a DescribeSourceServers answer that never ends (an endless chunked
// list of servers) is cut at maxResponseBody: a clear error, not a read that grows until the timeout.
func TestEndlessAnswerIsBounded(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"items":[`))
		item := []byte(`{"sourceServerID":"s-1234567890abcdef0","tags":{"a":"` + strings.Repeat("x", 4000) + `"}},`)
		for r.Context().Err() == nil {
			if _, err := w.Write(item); err != nil {
				return
			}
		}
	}))
	defer hs.Close()
	c, err := NewClient(context.Background(), ClientOptions{Settings: Settings{Region: "eu-west-1", Endpoint: hs.URL},
		Static: &aws.Credentials{AccessKeyID: "AKIATEST", SecretAccessKey: "secret"}})
	if err != nil {
		t.Fatal(err)
	}
	c.readTimeout = 20 * time.Second
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := c.DescribeServers(context.Background(), []string{"s-1234567890abcdef0"})
		done <- err
	}()
	var peak uint64
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			t.Logf("after %s, peak heap %d MiB: %v", time.Since(start), peak>>20, err)
			if err == nil || !strings.Contains(err.Error(), "larger than") {
				t.Errorf("err = %v; want the answer refused as too large", err)
			}
			if peak > 512<<20 {
				t.Errorf("peak heap %d MiB", peak>>20)
			}
			return
		case <-tick.C:
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
}
