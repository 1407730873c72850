package mgn

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers/simkit"
)

func simProvider(t *testing.T, world string, b simkit.Behaviour) (*Provider, *simHarness) {
	t.Helper()
	h := newSimHarness(t, world, b)
	c, err := NewClient(context.Background(), ClientOptions{Settings: Settings{Endpoint: h.url}, Static: &aws.Credentials{AccessKeyID: "a", SecretAccessKey: "b"}})
	if err != nil {
		t.Fatal(err)
	}
	return NewWithClient(c, time.Millisecond, time.Millisecond), h
}

func waitStep(addr model.Addr, server, job string, final bool) model.Step {
	raw, _ := json.Marshal(StepParams{SourceServerID: server, Final: final})
	return model.Step{Addr: addr, Name: StepAwaitCutover, Wait: true, Params: raw, Earlier: map[string]string{"job_id": job}}
}

// TestStatusReadsJobsInOneCall: the watcher's Status reads every due wait's job in one DescribeJobs
// and answers for each: under way, LAUNCHED (done) or FAILED in a COMPLETED job (an error).
func TestStatusReadsJobsInOneCall(t *testing.T) {
	p, h := simProvider(t, simTestWorld, simkit.Behaviour{Durations: map[string]simkit.Duration{DurationLaunch: simkit.Duration(time.Minute)},
		Faults: []simkit.Fault{{Operation: OpStartCutover, Outcome: simkit.OutcomeFail, Match: "s-0000000000ZZZZzzz"}}})
	ctx := context.Background()
	j1, err := p.client.StartCutover(ctx, []string{"s-1234567890abcdef0", "s-0000000000ZZZZzzz"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	waits := []model.Wait{
		{Addr: "cutover.a", Step: waitStep("cutover.a", "s-1234567890abcdef0", j1.ID, true), Due: true},
		{Addr: "cutover.b", Step: waitStep("cutover.b", "s-0000000000ZZZZzzz", j1.ID, false), Due: false},
	}
	before := h.env.Stats.Get(OpDescribeJobs)
	got, err := p.Status(ctx, waits)
	if err != nil || len(got) != 2 || got["cutover.a"].Done || !strings.Contains(got["cutover.a"].Message, "STARTED") {
		t.Fatalf("Status while the job runs = %+v, %v", got, err)
	}
	h.clock.Advance(time.Minute)
	got, err = p.Status(ctx, waits)
	if err != nil {
		t.Fatal(err)
	}
	if a := got["cutover.a"]; !a.Done || a.Err != nil || a.Outcome.Status != "done" || a.Outcome.RemoteIDs["job_id"] != j1.ID {
		t.Errorf("launched server = %+v", a)
	}
	if b := got["cutover.b"]; !b.Done || b.Err == nil || !strings.Contains(b.Err.Error(), "COMPLETED but the launch of s-0000000000ZZZZzzz is FAILED") {
		t.Errorf("failed launch = %+v", b)
	}
	if n := h.env.Stats.Get(OpDescribeJobs) - before; n != 2 {
		t.Errorf("%d DescribeJobs for two rounds, want 2", n)
	}
	if got, _ := p.Status(ctx, []model.Wait{waits[1]}); len(got) != 0 {
		t.Errorf("no due wait: %v", got)
	}
}

// TestReconcileFindsTheBatchJob: an interrupted start_cutover is found through the server's
// lastCutover job and the job's ferry:batch tag; another batch's job is not taken for it.
func TestReconcileFindsTheBatchJob(t *testing.T) {
	p, h := simProvider(t, simTestWorld, simkit.Behaviour{})
	ctx := context.Background()
	if _, err := p.client.StartCutover(ctx, []string{"s-1234567890abcdef0"}, map[string]string{TagBatch: "b1"}); err != nil {
		t.Fatal(err)
	}
	step := func(batch, earlier string) model.Step {
		raw, _ := json.Marshal(StepParams{SourceServerID: "s-1234567890abcdef0", Batch: &Batch{ID: batch, Servers: []string{"s-1234567890abcdef0"}}})
		// The intent is journaled on the simulator's clock (its jobs' creationDateTime): time.Now()
		// made the test fail whenever the wall clock was more than an hour past the manual clock.
		st := model.Step{Name: StepStartCutover, Mutating: true, Params: raw, IntentAt: h.clock.Now()}
		if earlier != "" {
			st.Earlier = map[string]string{"batch_id": earlier}
		}
		return st
	}
	if out, found, err := p.Reconcile(ctx, step("b1", ""), "k"); err != nil || !found || out.RemoteIDs["job_id"] == "" {
		t.Errorf("same batch: %v %v %v", out, found, err)
	}
	if _, found, err := p.Reconcile(ctx, step("b2", ""), "k"); err != nil || found {
		t.Errorf("other batch found: %v %v", found, err)
	}
	if _, found, err := p.Reconcile(ctx, step("regrouped", "b1"), "k"); err != nil || !found {
		t.Errorf("batch journaled with the intent not used: %v %v", found, err)
	}
	raw, _ := json.Marshal(StepParams{SourceServerID: "s-0000000000ZZZZzzz"})
	if _, found, err := p.Reconcile(ctx, model.Step{Name: StepFinalize, Mutating: true, Params: raw}, "k"); err != nil || found {
		t.Errorf("finalize of a READY_FOR_CUTOVER server found: %v %v", found, err)
	}
}

// TestStartBatchConflictWithoutNames: when a ConflictException names no server, ferry reads the
// batch back, leaves out the servers no longer READY_FOR_CUTOVER with their state, and starts the
// others in one more call; every member gets its job or its reason from the one batch.
func TestStartBatchConflictWithoutNames(t *testing.T) {
	h := newSimHarness(t, simTestWorld, simkit.Behaviour{})
	strip := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.sim.Handler().ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		body := rec.Body.Bytes()
		if rec.Code == http.StatusConflict {
			body = []byte(`{"message": "Conflict"}`)
			w.Header().Del("Content-Length")
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
	hs := httptest.NewServer(strip)
	defer hs.Close()
	c, err := NewClient(context.Background(), ClientOptions{Settings: Settings{Endpoint: hs.URL}, Static: &aws.Credentials{AccessKeyID: "a", SecretAccessKey: "b"}})
	if err != nil {
		t.Fatal(err)
	}
	p := NewWithClient(c, time.Millisecond, time.Millisecond)
	b := &Batch{ID: "wave1", Servers: []string{"s-1234567890abcdef0", "s-00000000000000002", "s-0000000000ZZZZzzz"}}
	ctx := context.Background()
	job, err := p.startBatch(ctx, b, "key-1", "s-1234567890abcdef0")
	if err != nil || job == "" {
		t.Fatalf("leader: %q, %v", job, err)
	}
	if j2, err := p.startBatch(ctx, b, "key-2", "s-0000000000ZZZZzzz"); err != nil || j2 != job {
		t.Errorf("member: %q, %v; want the leader's job %s", j2, err, job)
	}
	_, err = p.startBatch(ctx, b, "key-3", "s-00000000000000002")
	if err == nil || !strings.Contains(err.Error(), "server s-00000000000000002 is in lifecycle READY_FOR_TEST; ferry expected READY_FOR_CUTOVER") {
		t.Errorf("moved server: %v", err)
	}
	if n := h.env.Stats.Get(OpStartCutover); n != 2 {
		t.Errorf("%d StartCutover calls, want 2 (refused, then without the moved server)", n)
	}
	jobs := h.sim.Jobs()
	if len(jobs) != 1 || len(jobs[0].ParticipatingServers) != 2 || jobs[0].Tags[TagBatch] != "wave1" || jobs[0].Tags[TagKey] != "key-1" {
		t.Errorf("jobs = %+v", jobs)
	}
}
