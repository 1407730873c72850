package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

// floorParallelism is how many customers the floor client reads at once: as many as ferry's Partner
// Center provider reads.
const floorParallelism = 64

// httpFloor sends the requests a plan of the generated spec makes — per customer, one subscription
// list and one eligibility check per legacy subscription — from a bare net/http client that does
// nothing with the answers, and returns the wall time and the number of requests. It is the least
// time any client written in Go can take for the plan's reads against this sandbox on this machine:
// the figure beside which the plan's own wall time is read.
func httpFloor(sandboxURL, csvPath string) (time.Duration, int, error) {
	f, err := os.Open(csvPath)
	if err != nil {
		return 0, 0, err
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) < 2 {
		return 0, 0, fmt.Errorf("reading %s: %v", csvPath, err)
	}
	// Columns: subscription_id, customer_id, domain, seats, term, billing, full_term.
	subsOf := map[string][][]string{}
	var customers []string
	for _, r := range rows[1:] {
		if _, seen := subsOf[r[1]]; !seen {
			customers = append(customers, r[1])
		}
		subsOf[r[1]] = append(subsOf[r[1]], r)
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = floorParallelism
	hc := &http.Client{Transport: t}
	defer t.CloseIdleConnections()
	base := sandboxURL + "/partnercenter/v1/customers/"
	send := func(method, url string, body []byte) error {
		req, err := http.NewRequest(method, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Accept", "application/json")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s %s: HTTP %d", method, url, resp.StatusCode)
		}
		return nil
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		requests int
	)
	sem := make(chan struct{}, floorParallelism)
	start := time.Now()
	for _, c := range customers {
		requests += 1 + len(subsOf[c])
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			err := send(http.MethodGet, base+c+"/subscriptions", nil)
			for _, r := range subsOf[c] {
				if err != nil {
					break
				}
				body, _ := json.Marshal(map[string]any{"currentSubscriptionId": r[0], "termDuration": r[4],
					"billingCycle": r[5], "purchaseFullTerm": r[6] == "true", "quantity": json.Number(r[3])})
				err = send(http.MethodPost, base+c+"/migrations/newcommerce/validate", body)
			}
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return time.Since(start), requests, firstErr
}
