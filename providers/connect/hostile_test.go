package connect

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestReadUndecodableOrHungIsRetried: a 200 whose body does not decode, and a read that gets no
// answer within the read timeout, are retried like a 5xx (issue 12).
func TestReadUndecodableOrHungIsRetried(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			w.Write([]byte(`<html>proxy</html>`))
		case 2:
			<-r.Context().Done() // never answers
		default:
			w.Header().Set("Content-Range", "items 0-0/0")
			w.Write([]byte("[]"))
		}
	}))
	defer srv.Close()
	c := testClient(srv.URL)
	c.ReadTimeout = 50 * time.Millisecond
	rows, err := c.ListConfigurations(context.Background(), "PRD-1")
	if err != nil || len(rows) != 0 || n.Load() != 3 {
		t.Fatalf("rows = %v, err = %v after %d requests; want none, nil after 3", rows, err, n.Load())
	}
	// Retries run out: the error says the last cause.
	c.Retries = 0
	n.Store(1)
	_, err = c.ListConfigurations(context.Background(), "PRD-1")
	if err == nil || !strings.Contains(err.Error(), "no answer within 50ms") {
		t.Fatalf("err = %v, want the read timeout", err)
	}
}

// TestAnswerTooLargeIsRefusedOnce: an answer that never ends is read up to maxBody and refused as
// too large, once (asking again would get the same answer), not retried as undecodable.
func TestAnswerTooLargeIsRefusedOnce(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Write([]byte(`[`))
		row := []byte(`{"parameter":{"id":"PRM-1","name":"processor_skip_list"},"value":"` + strings.Repeat("A", 4000) + `"},`)
		for r.Context().Err() == nil {
			if _, err := w.Write(row); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	_, err := testClient(srv.URL).ListConfigurations(context.Background(), "PRD-1")
	if err == nil || !strings.Contains(err.Error(), "larger than 8 MiB") || n.Load() != 1 {
		t.Fatalf("err = %v after %d requests; want too large after 1", err, n.Load())
	}
}

// TestListTooLargeEnds: a server that keeps sending full pages (each under maxBody, with a total
// that never comes) ends the read once the pages together pass providers.MaxListBytes, instead of
// ferry keeping 10 000 pages of rows.
func TestListTooLargeEnds(t *testing.T) {
	var n atomic.Int32
	value := strings.Repeat("A", 70<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		w.Header().Set("Content-Range", fmt.Sprintf("items %d-%d/1000000000", off, off+99))
		rows := make([]string, 100)
		for i := range rows {
			rows[i] = fmt.Sprintf(`{"parameter":{"id":"PRM-%d","name":"p"},"marketplace":{"id":"MP-1"},"value":%q}`, off+i, value)
		}
		w.Write([]byte("[" + strings.Join(rows, ",") + "]"))
	}))
	defer srv.Close()
	_, err := testClient(srv.URL).ListConfigurations(context.Background(), "PRD-1")
	if err == nil || !strings.Contains(err.Error(), "larger than 256 MiB together") || n.Load() > 40 {
		t.Fatalf("err = %v after %d requests; want the list refused after about 37", err, n.Load())
	}
}
