package commerce

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestUndecodableReadIsRetried: a 200 whose body does not decode is retried like a 5xx (issue 12);
// an undecodable answer to an order is not resent.
func TestUndecodableReadIsRetried(t *testing.T) {
	var reads, orders atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			orders.Add(1)
			w.Write([]byte(`{"orderId":`))
			return
		}
		if reads.Add(1) == 1 {
			w.Write([]byte(`<html>proxy</html>`))
			return
		}
		w.Write([]byte(`[]`))
	}))
	defer srv.Close()
	c := NewClient(srv.URL, "tok", nil)
	c.retryWait = time.Millisecond
	if _, err := c.ListOrders(context.Background(), "1000048"); err != nil || reads.Load() != 2 {
		t.Fatalf("err = %v after %d reads; want nil after 2", err, reads.Load())
	}
	if _, err := c.CreateOrder(context.Background(), Order{}); err == nil || orders.Load() != 1 {
		t.Fatalf("err = %v after %d orders; want an error after 1", err, orders.Load())
	}
}

// TestAnswerTooLargeIsRefusedOnce: an answer that never ends is read up to maxAnswer and refused as
// too large, once, not retried as undecodable.
func TestAnswerTooLargeIsRefusedOnce(t *testing.T) {
	var reads atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reads.Add(1)
		w.Write([]byte(`[`))
		row := []byte(`{"orderId":"1","status":"` + strings.Repeat("x", 4000) + `"},`)
		for r.Context().Err() == nil {
			if _, err := w.Write(row); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c := NewClient(srv.URL, "tok", nil)
	c.retryWait = time.Millisecond
	_, err := c.ListOrders(context.Background(), "1000048")
	if err == nil || !strings.Contains(err.Error(), "larger than 8 MiB") || reads.Load() != 1 {
		t.Fatalf("err = %v after %d reads; want too large after 1", err, reads.Load())
	}
}

// TestListTooLargeEnds: a server that keeps sending full pages of new orders (each under
// maxAnswer, with a total that never comes) ends the read once the pages together pass
// providers.MaxListBytes.
func TestListTooLargeEnds(t *testing.T) {
	var reads atomic.Int32
	pad := strings.Repeat("x", 70<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(reads.Add(1)) - 1
		w.Header().Set("Content-Range", fmt.Sprintf("items %d-%d/1000000000", n*100, n*100+99))
		rows := make([]string, 100)
		for i := range rows {
			rows[i] = fmt.Sprintf(`{"orderId":"%d","orderNumber":%q}`, n*100+i, pad)
		}
		w.Write([]byte("[" + strings.Join(rows, ",") + "]"))
	}))
	defer srv.Close()
	c := NewClient(srv.URL, "tok", nil)
	c.retryWait = time.Millisecond
	_, err := c.ListOrders(context.Background(), "1000048")
	if err == nil || !strings.Contains(err.Error(), "larger than 256 MiB together") || reads.Load() > 40 {
		t.Fatalf("err = %v after %d reads; want the list refused after about 37", err, reads.Load())
	}
}
