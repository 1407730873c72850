package simkit

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestBehaviourDecode(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Behaviour
		wantErr string
	}{
		{
			name: "full",
			in: `{"durations": {"partnercenter.migration": "2s"}, "rate_limits": "scaled", "time_factor": 60,
				"latency": "5ms", "page_size": 10,
				"faults": [{"operation": "partnercenter.CreateMigration", "status": 500, "count": 2, "lost_response": true, "match": "x"}]}`,
			want: Behaviour{
				Durations:  map[string]Duration{"partnercenter.migration": Duration(2 * time.Second)},
				RateLimits: "scaled", TimeFactor: 60, Latency: Duration(5 * time.Millisecond), PageSize: 10,
				Faults: []Fault{{Operation: "partnercenter.CreateMigration", Status: 500, Count: 2, LostResponse: true, Match: "x"}},
			},
		},
		{name: "empty", in: `{}`, want: Behaviour{}},
		{name: "bad duration", in: `{"latency": "5 parsecs"}`, wantErr: "5 parsecs"},
		{name: "number duration", in: `{"latency": 5}`, wantErr: "must be a string"},
		{name: "negative duration", in: `{"latency": "-1s"}`, wantErr: "negative"},
		{name: "bad mode", in: `{"rate_limits": "fast"}`, wantErr: "behaviour.rate_limits"},
		{name: "negative factor", in: `{"time_factor": -2}`, wantErr: "time_factor"},
		{name: "fault without operation", in: `{"faults": [{"status": 500}]}`, wantErr: "faults[0]: operation is required"},
		{name: "fault without effect", in: `{"faults": [{"operation": "x"}]}`, wantErr: "set status"},
		{name: "bad outcome", in: `{"faults": [{"operation": "x", "outcome": "explode"}]}`, wantErr: "outcome \"explode\""},
		{name: "outcome with status", in: `{"faults": [{"operation": "x", "outcome": "fail", "status": 500}]}`, wantErr: "cannot be combined"},
		{name: "bad status", in: `{"faults": [{"operation": "x", "status": 200}]}`, wantErr: "not an HTTP error status"},
		{name: "lost 429", in: `{"faults": [{"operation": "x", "status": 429, "lost_response": true}]}`, wantErr: "cannot answer 429"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b Behaviour
			err := json.Unmarshal([]byte(tt.in), &b)
			if err == nil {
				err = b.Validate()
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, b); diff != "" {
				t.Errorf("behaviour (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDurationRoundTrip(t *testing.T) {
	in := Duration(90 * time.Second)
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != `"1m30s"` {
		t.Fatalf("marshal = %s", data)
	}
	var out Duration
	if err := json.Unmarshal(data, &out); err != nil || out != in {
		t.Fatalf("unmarshal = %v, %v", out, err)
	}
}

func TestInjector(t *testing.T) {
	tests := []struct {
		name  string
		fault Fault
		calls []string // match key of each call
		want  []bool
	}{
		{name: "next N", fault: Fault{Operation: "op", Status: 500, Count: 2}, calls: []string{"a", "a", "a"}, want: []bool{true, true, false}},
		{name: "every Nth", fault: Fault{Operation: "op", Status: 500, Every: 3}, calls: []string{"a", "a", "a", "a", "a", "a"}, want: []bool{false, false, true, false, false, true}},
		{name: "every Nth at most count", fault: Fault{Operation: "op", Status: 500, Every: 2, Count: 1}, calls: []string{"a", "a", "a", "a"}, want: []bool{false, true, false, false}},
		{name: "always", fault: Fault{Operation: "op", Status: 503}, calls: []string{"a", "b"}, want: []bool{true, true}},
		{name: "match", fault: Fault{Operation: "op", Status: 500, Match: "B"}, calls: []string{"a", "b", "c"}, want: []bool{false, true, false}},
		{name: "other operation", fault: Fault{Operation: "other", Status: 500}, calls: []string{"a"}, want: []bool{false}},
		{name: "outcome faults are not HTTP faults", fault: Fault{Operation: "op", Outcome: OutcomeFail}, calls: []string{"a"}, want: []bool{false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inj := NewInjector([]Fault{tt.fault})
			var got []bool
			for _, k := range tt.calls {
				_, ok := inj.Take("op", k)
				got = append(got, ok)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("hits (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInjectorOutcomeAndExhaustion(t *testing.T) {
	inj := NewInjector([]Fault{{Operation: "op", Outcome: OutcomeFailSuspended, Count: 1, Match: "s1"}})
	if got := inj.TakeOutcome("op", "s2"); got != "" {
		t.Fatalf("unmatched outcome = %q", got)
	}
	if got := inj.TakeOutcome("op", "s1"); got != OutcomeFailSuspended {
		t.Fatalf("outcome = %q", got)
	}
	if got := inj.TakeOutcome("op", "s1"); got != "" {
		t.Fatalf("exhausted outcome = %q", got)
	}
	if n := len(inj.Faults()); n != 0 {
		t.Fatalf("Faults() after exhaustion has %d", n)
	}
}

func TestRateLimiter(t *testing.T) {
	clock := NewManualClock(t0)
	rl := NewRateLimiter(clock.Now)
	l := Limit{Requests: 2, Window: time.Minute}
	for i := 0; i < 2; i++ {
		if ok, _ := rl.Allow("k", l); !ok {
			t.Fatalf("request %d refused", i)
		}
	}
	clock.Advance(20 * time.Second)
	ok, wait := rl.Allow("k", l)
	if ok || wait != 40*time.Second {
		t.Fatalf("third = %v, %v; want refused with 40s", ok, wait)
	}
	if ok, _ := rl.Allow("other", l); !ok {
		t.Fatal("other key refused")
	}
	clock.Advance(40 * time.Second)
	if ok, _ := rl.Allow("k", l); !ok {
		t.Fatal("refused after the window")
	}
	if ok, _ := rl.Allow("k", Limit{}); !ok {
		t.Fatal("zero limit refused")
	}
}

func TestEnvAllowModes(t *testing.T) {
	l := Limit{Requests: 1, Window: 5 * time.Minute}
	tests := []struct {
		name      string
		b         Behaviour
		wantOK    bool
		wantRetry time.Duration
	}{
		{name: "documented", b: Behaviour{}, wantRetry: 5 * time.Minute},
		{name: "documented ignores factor", b: Behaviour{RateLimits: RateLimitsDocumented, TimeFactor: 60}, wantRetry: 5 * time.Minute},
		{name: "scaled", b: Behaviour{RateLimits: RateLimitsScaled, TimeFactor: 60}, wantRetry: 5 * time.Second},
		{name: "scaled rounds up", b: Behaviour{RateLimits: RateLimitsScaled, TimeFactor: 1000}, wantRetry: time.Second},
		{name: "off", b: Behaviour{RateLimits: RateLimitsOff}, wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := NewManualClock(t0)
			e := NewEnv(tt.b, WithWallClock(clock.Now))
			e.Allow("k", l)
			ok, retry := e.Allow("k", l)
			if ok != tt.wantOK || retry != tt.wantRetry {
				t.Errorf("Allow = %v, %v; want %v, %v", ok, retry, tt.wantOK, tt.wantRetry)
			}
		})
	}
}

func TestEnvClock(t *testing.T) {
	clock := NewManualClock(t0)
	e := NewEnv(Behaviour{TimeFactor: 60, Durations: map[string]Duration{"x": Duration(time.Hour)}}, WithWallClock(clock.Now))
	clock.Advance(time.Second)
	if got, want := e.Now(), t0.Add(time.Minute); !got.Equal(want) {
		t.Errorf("Now = %v, want %v", got, want)
	}
	if got := e.Duration("x", 0); got != time.Hour {
		t.Errorf("Duration(x) = %v", got)
	}
	if got := e.Duration("y", 3*time.Second); got != 3*time.Second {
		t.Errorf("Duration(y) = %v", got)
	}
	if got := e.PageSize(7); got != 7 {
		t.Errorf("PageSize = %d", got)
	}
	e2 := NewEnv(Behaviour{}, WithWallClock(clock.Now))
	clock.Advance(time.Second)
	if got, want := e2.Now(), clock.Now(); !got.Equal(want) {
		t.Errorf("unscaled Now = %v, want %v", got, want)
	}
}

func TestEnvBehaviourShowsLiveFaults(t *testing.T) {
	e := NewEnv(Behaviour{RateLimits: "off", Faults: []Fault{{Operation: "op", Status: 500, Count: 1}}})
	if n := len(e.Behaviour().Faults); n != 1 {
		t.Fatalf("faults = %d, want 1", n)
	}
	e.Faults.Take("op")
	if b := e.Behaviour(); len(b.Faults) != 0 || b.RateLimits != "off" {
		t.Fatalf("behaviour after the fault was used = %+v", b)
	}
}

func TestStatsConcurrent(t *testing.T) {
	s := NewStats()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				s.Inc("op")
			}
		}()
	}
	wg.Wait()
	if got := s.Get("op"); got != 800 {
		t.Fatalf("count = %d, want 800", got)
	}
	snap := s.Snapshot()
	s.Inc("op")
	if snap["op"] != 800 {
		t.Fatal("snapshot changed with the stats")
	}
}

func TestDropConnectionAndRetryAfter(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/drop" {
			if !DropConnection(w) {
				w.WriteHeader(http.StatusTeapot)
			}
			return
		}
		SetRetryAfter(w, 1500*time.Millisecond)
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	if resp, err := http.Get(srv.URL + "/drop"); err == nil {
		resp.Body.Close()
		t.Fatalf("dropped connection answered %d", resp.StatusCode)
	}
	resp, err := http.Get(srv.URL + "/limit")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Retry-After"); got != "2" {
		t.Fatalf("Retry-After = %q, want 2", got)
	}
}
