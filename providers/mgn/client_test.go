package mgn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/google/go-cmp/cmp"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
)

// fixtureServer answers MGN operations with testdata fixtures and records the requests.
type fixtureServer struct {
	t      *testing.T
	mu     sync.Mutex
	bodies map[string][]map[string]any
	answer func(op string, n int, body map[string]any) (status int, header map[string]string, file string)
}

func (f *fixtureServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := r.URL.Path[1:]
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		f.t.Errorf("%s: request body %q is not JSON: %v", op, raw, err)
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		f.t.Errorf("%s: %s with Content-Type %q, want POST application/json", op, r.Method, r.Header.Get("Content-Type"))
	}
	f.mu.Lock()
	f.bodies[op] = append(f.bodies[op], body)
	n := len(f.bodies[op])
	f.mu.Unlock()
	status, header, file := f.answer(op, n, body)
	for k, v := range header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if file != "" {
		b, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			f.t.Fatal(err)
		}
		_, _ = w.Write(b)
	}
}

func (f *fixtureServer) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.bodies[op])
}

func newFixtureClient(t *testing.T, answer func(op string, n int, body map[string]any) (int, map[string]string, string)) (*Client, *fixtureServer) {
	t.Helper()
	fs := &fixtureServer{t: t, bodies: map[string][]map[string]any{}, answer: answer}
	hs := httptest.NewServer(fs)
	t.Cleanup(hs.Close)
	c, err := NewClient(context.Background(), ClientOptions{Settings: Settings{Region: "eu-west-1", Endpoint: hs.URL},
		Static: &aws.Credentials{AccessKeyID: "AKIATEST", SecretAccessKey: "secret"}})
	if err != nil {
		t.Fatal(err)
	}
	return c, fs
}

func TestClientDescribeServersFixtures(t *testing.T) {
	c, fs := newFixtureClient(t, func(op string, n int, body map[string]any) (int, map[string]string, string) {
		if body["nextToken"] == nil {
			return 200, nil, "describe_source_servers.json"
		}
		return 200, nil, "describe_source_servers_page2.json"
	})
	got, err := c.DescribeServers(context.Background(), []string{"s-1234567890abcdef0", "s-0000000000ZZZZzzz"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*Server{
		"s-1234567890abcdef0": {ID: "s-1234567890abcdef0", Hostname: "db01", State: StateCuttingOver, Replication: ReplicationContinuous,
			Lag: "P1DT2H3M4.5S", LastTestJobID: "mgnjob-1a2b3c4d5e6f70819", LastCutoverJobID: "mgnjob-0a1b2c3d4e5f60718",
			LastCutoverAt: "2026-11-30T23:30:00.000000Z", InstanceID: "i-0a1b2c3d4e5f60718"},
		"s-0000000000ZZZZzzz": {ID: "s-0000000000ZZZZzzz", State: StateReadyForCutover, Replication: "STALLED", Lag: "PT2H"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("servers (-want +got):\n%s", diff)
	}
	// One describe, two pages (the paginator sent the nextToken back), the IDs in the filter.
	reqs := fs.bodies["DescribeSourceServers"]
	if len(reqs) != 2 || reqs[1]["nextToken"] != "eyJvZmZzZXQiOjF9" {
		t.Fatalf("requests = %v", reqs)
	}
	filters, _ := reqs[0]["filters"].(map[string]any)
	if ids, _ := filters["sourceServerIDs"].([]any); len(ids) != 2 || reqs[0]["maxResults"] != float64(MaxResults) {
		t.Errorf("first request = %v", reqs[0])
	}
}

func TestClientDescribeServersBatchesOf200(t *testing.T) {
	c, fs := newFixtureClient(t, func(string, int, map[string]any) (int, map[string]string, string) {
		return 200, nil, "describe_source_servers_page2.json"
	})
	var ids []string
	for i := range 401 {
		ids = append(ids, fmt.Sprintf("s-%017d", i))
	}
	if _, err := c.DescribeServers(context.Background(), ids); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	var archived []any
	for _, b := range fs.bodies["DescribeSourceServers"] {
		f := b["filters"].(map[string]any)
		sizes = append(sizes, len(f["sourceServerIDs"].([]any)))
		archived = append(archived, f["isArchived"])
	}
	// None of the 401 was listed: all are asked for once more with isArchived = true.
	if diff := cmp.Diff([]int{200, 200, 1, 200, 200, 1}, sizes); diff != "" {
		t.Errorf("filter sizes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{nil, nil, nil, true, true, true}, archived); diff != "" {
		t.Errorf("isArchived filters (-want +got):\n%s", diff)
	}
}

// TestClientDescribeServersFindsArchived: the API reference does not say whether a read without the
// isArchived filter lists archived servers; a server the first read left out is found by a second
// read of only the missing IDs with isArchived = true, and a server the service adds that was not
// asked for is ignored.
func TestClientDescribeServersFindsArchived(t *testing.T) {
	c, fs := newFixtureClient(t, func(op string, n int, body map[string]any) (int, map[string]string, string) {
		if f, _ := body["filters"].(map[string]any); f["isArchived"] == true {
			return 200, nil, "describe_source_servers_page2.json"
		}
		return 200, nil, "describe_source_servers_archived_hidden.json"
	})
	got, err := c.DescribeServers(context.Background(), []string{"s-1234567890abcdef0", "s-0000000000ZZZZzzz"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got["s-0000000000ZZZZzzz"] == nil {
		t.Fatalf("servers = %v", got)
	}
	reqs := fs.bodies["DescribeSourceServers"]
	if len(reqs) != 2 {
		t.Fatalf("requests = %v", reqs)
	}
	if ids := reqs[1]["filters"].(map[string]any)["sourceServerIDs"].([]any); len(ids) != 2 {
		t.Errorf("second read asked for %v", ids)
	}
}

func TestClientJobsAndStartCutoverFixtures(t *testing.T) {
	c, fs := newFixtureClient(t, func(op string, n int, body map[string]any) (int, map[string]string, string) {
		if op == "StartCutover" {
			return 202, nil, "start_cutover.json"
		}
		return 200, nil, "describe_jobs.json"
	})
	jobs, err := c.DescribeJobs(context.Background(), []string{"mgnjob-0a1b2c3d4e5f60718"})
	if err != nil {
		t.Fatal(err)
	}
	want := &Job{ID: "mgnjob-0a1b2c3d4e5f60718", Type: "LAUNCH", InitiatedBy: "START_CUTOVER", Status: JobCompleted,
		Created: "2026-11-30T23:30:00.000000Z",
		Launch:  map[string]string{"s-1234567890abcdef0": LaunchLaunched, "s-0000000000ZZZZzzz": LaunchFailed}}
	if diff := cmp.Diff(want, jobs["mgnjob-0a1b2c3d4e5f60718"]); diff != "" {
		t.Errorf("job (-want +got):\n%s", diff)
	}
	job, err := c.StartCutover(context.Background(), []string{"s-1234567890abcdef0"}, map[string]string{TagBatch: "b"})
	if err != nil || job.ID != "mgnjob-0a1b2c3d4e5f60718" || job.Status != "PENDING" {
		t.Fatalf("StartCutover = %+v, %v", job, err)
	}
	sent := fs.bodies["StartCutover"][0]
	if diff := cmp.Diff(map[string]any{"sourceServerIDs": []any{"s-1234567890abcdef0"}, "tags": map[string]any{TagBatch: "b"}}, sent); diff != "" {
		t.Errorf("StartCutover body (-want +got):\n%s", diff)
	}
}

// TestClientMutatingCallsOneAttempt: a 5xx or a dropped connection is an unknown outcome after one
// request (the SDK's retryer is off for mutating calls); a 429 is retried after Retry-After; a
// ConflictException is a definite refusal naming the server.
func TestClientMutatingCallsOneAttempt(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		header   map[string]string
		file     string
		requests int
		unknown  bool
		conflict []string
	}{
		{name: "503", status: 503, header: map[string]string{"X-Amzn-ErrorType": "InternalServerException"}, requests: 1, unknown: true},
		{name: "500 without body", status: 500, requests: 1, unknown: true},
		{name: "conflict", status: 409, header: map[string]string{"X-Amzn-ErrorType": "ConflictException"}, file: "error_conflict.json", requests: 1,
			conflict: []string{"s-0000000000ZZZZzzz", "s-0000000000ZZZZzzz"}},
		{name: "429 then done", status: 429, header: map[string]string{"X-Amzn-ErrorType": "ThrottlingException", "Retry-After": "0"}, file: "error_throttling.json", requests: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, fs := newFixtureClient(t, func(op string, n int, body map[string]any) (int, map[string]string, string) {
				if n == 1 {
					return tt.status, tt.header, tt.file
				}
				return 202, nil, "start_cutover.json"
			})
			_, err := c.StartCutover(context.Background(), []string{"s-0000000000ZZZZzzz"}, nil)
			if got := fs.count("StartCutover"); got != tt.requests {
				t.Errorf("%d requests, want %d", got, tt.requests)
			}
			if errors.Is(err, model.ErrOutcomeUnknown) != tt.unknown {
				t.Errorf("err = %v, unknown outcome want %v", err, tt.unknown)
			}
			var ae *APIError
			if tt.conflict != nil {
				if !errors.As(err, &ae) || !ae.Conflict() || !cmp.Equal(ae.Resources, tt.conflict) {
					t.Errorf("err = %#v, want a conflict naming %v", err, tt.conflict)
				}
			}
			if tt.requests == 2 && err != nil {
				t.Errorf("throttled call: %v", err)
			}
		})
	}
}

func TestClientThrottleWaitEndsWhenTheRunStops(t *testing.T) {
	c, fs := newFixtureClient(t, func(string, int, map[string]any) (int, map[string]string, string) {
		return 429, map[string]string{"X-Amzn-ErrorType": "ThrottlingException", "Retry-After": "30"}, "error_throttling.json"
	})
	stop, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := c.FinalizeCutover(providers.WithSendStop(context.Background(), stop), "s-0000000000ZZZZzzz")
	if !errors.Is(err, providers.ErrNotSent) || fs.count("FinalizeCutover") != 1 {
		t.Fatalf("err = %v after %d requests, want not sent after 1", err, fs.count("FinalizeCutover"))
	}
}

// TestReadRetryWaitsRetryAfter: the SDK's retryer, which reads keep, resends a throttled read after
// its own backoff (at most 20 s, usually under a second); ferry's wrapper waits the answer's
// Retry-After when that is longer.
func TestReadRetryWaitsRetryAfter(t *testing.T) {
	throttled := func(header string) error {
		resp := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{}}
		if header != "" {
			resp.Header.Set("Retry-After", header)
		}
		return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: resp},
			Err: &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}}}
	}
	r := retryAfterRetryer{retry.NewStandard()}
	if d, err := r.RetryDelay(1, throttled("45")); err != nil || d != 45*time.Second {
		t.Errorf("Retry-After 45: delay %s, %v", d, err)
	}
	if d, err := r.RetryDelay(1, throttled("")); err != nil || d > 20*time.Second {
		t.Errorf("no Retry-After: delay %s, %v; want the SDK's backoff", d, err)
	}
	if d, err := r.RetryDelay(1, throttled("86400")); err != nil || d != 5*time.Minute {
		t.Errorf("Retry-After of a day: delay %s, %v; want at most 5 min", d, err)
	}
	if !r.IsErrorRetryable(throttled("1")) {
		t.Error("a ThrottlingException is not retried")
	}
}

// TestClientPagingEnds: a service that answers nextToken for ever (a new one each page, or the same
// one again) does not keep a read going: the same token ends the paging, new ones end it with an
// error after maxPages pages.
func TestClientPagingEnds(t *testing.T) {
	for _, same := range []bool{true, false} {
		var n int
		var mu sync.Mutex
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			n++
			tok := fmt.Sprintf("t%d", n)
			mu.Unlock()
			if same {
				tok = "again"
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"items": [], "nextToken": %q}`, tok)
		}))
		c, err := NewClient(context.Background(), ClientOptions{Settings: Settings{Region: "eu-west-1", Endpoint: hs.URL},
			Static: &aws.Credentials{AccessKeyID: "AKIATEST", SecretAccessKey: "secret"}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.DescribeJobs(context.Background(), []string{"mgnjob-0a1b2c3d4e5f60718"})
		hs.Close()
		switch {
		case same && (err != nil || n != 2):
			t.Errorf("the same nextToken again: %d requests, %v; want 2 and no error", n, err)
		case !same && (err == nil || !strings.Contains(err.Error(), "more than 2000 pages") || n != maxPages):
			t.Errorf("new nextTokens for ever: %d requests, %v", n, err)
		}
	}
}
