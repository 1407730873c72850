package mgn

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/providers/simkit"
	"github.com/ferry-dev/ferry/state"
)

func cutover(id string, mut func(*model.Cutover)) model.Instance {
	c := &model.Cutover{SourceServerID: id, RequireTest: true, MaxLag: 5 * time.Minute, MaxLagISO: "PT5M", Finalize: true}
	if mut != nil {
		mut(c)
	}
	return model.Instance{Addr: model.Addr("cutover." + strings.TrimPrefix(id, "s-")), Kind: model.KindCutover, Provider: Name, Cutover: c}
}

func TestPlanGateAndSteps(t *testing.T) {
	const id = "s-1234567890abcdef0"
	testOK := &Job{ID: "mgnjob-1a2b3c4d5e6f70819", Status: JobCompleted, Launch: map[string]string{id: LaunchTerminated}}
	testFailed := &Job{ID: "mgnjob-1a2b3c4d5e6f70819", Status: JobCompleted, Launch: map[string]string{id: LaunchFailed}}
	ready := func(mut func(*Server)) *Server {
		s := &Server{ID: id, State: StateReadyForCutover, Replication: ReplicationContinuous, Lag: "PT1M", LastTestJobID: testOK.ID}
		if mut != nil {
			mut(s)
		}
		return s
	}
	done := &state.Resource{Status: state.StatusDone}
	dangling := func(step string) *state.Resource {
		return &state.Resource{Status: state.StatusInProgress, Steps: map[string]*state.StepRecord{step: {Attempt: 1, Status: state.StepIntent}}}
	}
	tests := []struct {
		name   string
		inst   model.Instance
		prior  *state.Resource
		server *Server
		test   *Job
		// cutoverJob is the last cutover job Read found for a server CUTTING_OVER.
		cutoverJob *Job
		action     model.Action
		steps      []string
		reasons    []string
	}{
		{name: "ready", inst: cutover(id, nil), server: ready(nil), test: testOK, action: model.ActionCreate,
			steps: []string{StepStartCutover, StepAwaitCutover, StepFinalize}},
		{name: "ready with archive", inst: cutover(id, func(c *model.Cutover) { c.Archive = true }), server: ready(nil), test: testOK,
			action: model.ActionCreate, steps: []string{StepStartCutover, StepAwaitCutover, StepFinalize, StepArchive}},
		{name: "no finalize", inst: cutover(id, func(c *model.Cutover) { c.Finalize = false }), server: ready(nil), test: testOK,
			action: model.ActionCreate, steps: []string{StepStartCutover, StepAwaitCutover}},
		{name: "testing with a launched test is marked ready", inst: cutover(id, nil), server: ready(func(s *Server) { s.State = StateTesting }),
			test: testOK, action: model.ActionCreate, steps: []string{StepMarkReady, StepStartCutover, StepAwaitCutover, StepFinalize}},
		{name: "stalled", inst: cutover(id, nil), server: ready(func(s *Server) { s.Replication = "STALLED" }), test: testOK,
			action: model.ActionBlocked, reasons: []string{"replication STALLED"}},
		{name: "lag with days and fractions over max_lag", inst: cutover(id, nil), server: ready(func(s *Server) { s.Lag = "P0DT0H5M0.001S" }), test: testOK,
			action: model.ActionBlocked, reasons: []string{"lag P0DT0H5M0.001S exceeds max_lag PT5M"}},
		{name: "lag of exactly max_lag passes", inst: cutover(id, nil), server: ready(func(s *Server) { s.Lag = "PT4M60.0S" }), test: testOK,
			action: model.ActionCreate, steps: []string{StepStartCutover, StepAwaitCutover, StepFinalize}},
		{name: "lag PT2H", inst: cutover(id, nil), server: ready(func(s *Server) { s.Lag = "PT2H" }), test: testOK,
			action: model.ActionBlocked, reasons: []string{"lag PT2H exceeds max_lag PT5M"}},
		{name: "no lag: not launchable", inst: cutover(id, nil), server: ready(func(s *Server) { s.Lag = "" }), test: testOK,
			action: model.ActionBlocked, reasons: []string{"not launchable: MGN reports no lag (no data replicated yet)"}},
		{name: "no test", inst: cutover(id, nil), server: ready(func(s *Server) { s.LastTestJobID = "" }),
			action: model.ActionBlocked, reasons: []string{"no successful test launch"}},
		{name: "failed test", inst: cutover(id, nil), server: ready(nil), test: testFailed,
			action: model.ActionBlocked, reasons: []string{"no successful test launch (test job mgnjob-1a2b3c4d5e6f70819 COMPLETED, launch FAILED)"}},
		{name: "no test needed", inst: cutover(id, func(c *model.Cutover) { c.RequireTest = false }), server: ready(func(s *Server) { s.LastTestJobID = "" }),
			action: model.ActionCreate, steps: []string{StepStartCutover, StepAwaitCutover, StepFinalize}},
		{name: "disconnected", inst: cutover(id, nil), server: ready(func(s *Server) { s.State = StateDisconnected; s.Replication = "DISCONNECTED" }), test: testOK,
			action: model.ActionBlocked, reasons: []string{"lifecycle DISCONNECTED", "replication DISCONNECTED"}},
		{name: "gone after it was cut over", inst: cutover(id, nil), prior: done, action: model.ActionNoop},
		{name: "cutting over resumes at the wait", inst: cutover(id, nil), server: ready(func(s *Server) { s.State = StateCuttingOver; s.LastCutoverJobID = "mgnjob-0a1b2c3d4e5f60718" }),
			test: testOK, action: model.ActionResume, steps: []string{StepAwaitCutover, StepFinalize}},
		{name: "cutting over with a completed job whose launch failed is blocked", inst: cutover(id, nil),
			prior:  &state.Resource{Status: state.StatusFailed},
			server: ready(func(s *Server) { s.State = StateCuttingOver; s.LastCutoverJobID = "mgnjob-0a1b2c3d4e5f60718" }), test: testOK,
			cutoverJob: &Job{ID: "mgnjob-0a1b2c3d4e5f60718", Status: JobCompleted, Launch: map[string]string{id: LaunchFailed}},
			action:     model.ActionBlocked, reasons: []string{"cutover job mgnjob-0a1b2c3d4e5f60718 COMPLETED but the launch of " + id +
				" is FAILED; the server stays CUTTING_OVER: look at the job log in MGN, then relaunch or revert it there"}},
		{name: "cutting over with a job still running resumes at the wait", inst: cutover(id, nil),
			server: ready(func(s *Server) { s.State = StateCuttingOver; s.LastCutoverJobID = "mgnjob-0a1b2c3d4e5f60718" }), test: testOK,
			cutoverJob: &Job{ID: "mgnjob-0a1b2c3d4e5f60718", Status: "STARTED", Launch: map[string]string{id: "IN_PROGRESS"}},
			action:     model.ActionResume, steps: []string{StepAwaitCutover, StepFinalize}},
		{name: "interrupted start is reconciled first", inst: cutover(id, nil), prior: dangling(StepStartCutover),
			server: ready(func(s *Server) { s.State = StateCuttingOver; s.LastCutoverJobID = "mgnjob-0a1b2c3d4e5f60718" }),
			test:   testOK, action: model.ActionResume, steps: []string{StepStartCutover, StepAwaitCutover, StepFinalize}},
		{name: "cut over needs only the archive", inst: cutover(id, func(c *model.Cutover) { c.Archive = true }),
			server: ready(func(s *Server) { s.State = StateCutover; s.Replication = "DISCONNECTED"; s.Lag = "" }),
			action: model.ActionResume, steps: []string{StepArchive}},
		{name: "a lag in the full ISO 8601 form with zero years and months", inst: cutover(id, nil), server: ready(func(s *Server) { s.Lag = "P0Y0M0DT0H0M12.5S" }), test: testOK,
			action: model.ActionCreate, steps: []string{StepStartCutover, StepAwaitCutover, StepFinalize}},
		{name: "a lag of months exceeds max_lag", inst: cutover(id, nil), server: ready(func(s *Server) { s.Lag = "P1M" }), test: testOK,
			action: model.ActionBlocked, reasons: []string{"lag P1M exceeds max_lag PT5M"}},
		{name: "a lag in a form ferry cannot read is no reason without max_lag", inst: cutover(id, func(c *model.Cutover) { c.MaxLag, c.MaxLagISO = 0, "" }),
			server: ready(func(s *Server) { s.Lag = "00:00:12" }), test: testOK, action: model.ActionCreate, steps: []string{StepStartCutover, StepAwaitCutover, StepFinalize}},
		{name: "a lag in a form ferry cannot read blocks with max_lag", inst: cutover(id, nil), server: ready(func(s *Server) { s.Lag = "00:00:12" }), test: testOK,
			action: model.ActionBlocked, reasons: []string{`lagDuration could not be compared with max_lag: "00:00:12" is not an ISO 8601 duration; want an ISO 8601 duration such as "PT5M", "PT2M30.5S" or "P1DT4H"`}},
		{name: "done without finalize: the recorded job, no launchedInstance", inst: cutover(id, func(c *model.Cutover) { c.Finalize = false }),
			prior:  &state.Resource{Status: state.StatusDone, RemoteIDs: map[string]string{"source_server_id": id, "job_id": "mgnjob-0a1b2c3d4e5f60718"}},
			server: ready(func(s *Server) { s.State = StateCuttingOver; s.LastCutoverJobID = "mgnjob-0a1b2c3d4e5f60718" }), test: testOK, action: model.ActionNoop},
		{name: "done", inst: cutover(id, func(c *model.Cutover) { c.Archive = true }), prior: done,
			server: ready(func(s *Server) { s.State = StateCutover; s.Archived = true }), action: model.ActionNoop},
	}
	p := &Provider{timeScale: 1}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch, diags := p.Plan(tt.inst, tt.prior, &Live{Server: tt.server, TestJob: tt.test, CutoverJob: tt.cutoverJob})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			var steps []string
			for _, s := range ch.Steps {
				steps = append(steps, s.Name)
			}
			if ch.Action != tt.action || !cmp.Equal(steps, tt.steps) || !cmp.Equal(ch.Reasons, tt.reasons) {
				t.Errorf("Plan = %s %v %q (%s); want %s %v %q", ch.Action, steps, ch.Reasons, ch.Summary, tt.action, tt.steps, tt.reasons)
			}
			if tt.server != nil && ch.Details[1].Name != "lifecycle" {
				t.Errorf("details = %v", ch.Details)
			}
		})
	}
}

// TestPlanServerNotFound: a server MGN does not know is an error naming the block (the planner leaves
// it out: exit 1), never a change blocked by MGN (exit 3) — the same for a typo as for another region.
func TestPlanServerNotFound(t *testing.T) {
	const id = "s-1234567890abcdef0"
	p := &Provider{timeScale: 1}
	for _, prior := range []*state.Resource{nil, {Status: state.StatusInProgress}} {
		ch, diags := p.Plan(cutover(id, nil), prior, &Live{})
		if !diags.HasErrors() || len(ch.Steps) != 0 {
			t.Fatalf("prior %v: Plan = %s %q, diags %v; want an error", prior, ch.Action, ch.Summary, diags)
		}
		d := diags[0]
		if _, ok := d.Extra.(providers.Unreadable); !ok || d.Summary != "Source server not found" ||
			!strings.Contains(d.Detail, "MGN does not know source server "+id+" (source_server_id of cutover.1234567890abcdef0)") {
			t.Errorf("diagnostic %q: %q (extra %T)", d.Summary, d.Detail, d.Extra)
		}
	}
}

// TestReadBatchesWaves: a plan of 450 ready servers of one wave reads them with 3
// DescribeSourceServers calls and their test jobs with one DescribeJobs, and groups them into
// StartCutover batches of at most 200 that share their dependencies.
func TestReadBatchesWaves(t *testing.T) {
	var servers []SimSourceServer
	var parts []SimParticipatingServer
	var reqs []providers.ReadRequest
	for i := range 450 {
		id := "s-" + strings.Repeat("0", 14) + string("0123456789"[i/100]) + string("0123456789"[i/10%10]) + string("0123456789"[i%10])
		servers = append(servers, SimSourceServer{SourceServerID: id, LifeCycle: SimLifeCycle{State: StateReadyForCutover,
			LastTest: &SimLastLaunch{Initiated: &SimInitiated{JobID: "mgnjob-0000000000000tst1"}}},
			DataReplicationInfo: &SimDataReplication{DataReplicationState: ReplicationContinuous, LagDuration: "PT1S"}})
		parts = append(parts, SimParticipatingServer{SourceServerID: id, LaunchStatus: LaunchLaunched})
		in := cutover(id, nil)
		if i >= 400 {
			in.DependsOn = []model.Addr{"cutover.db"}
		}
		reqs = append(reqs, providers.ReadRequest{Instance: in})
	}
	world, _ := json.Marshal(SimWorld{SourceServers: servers, Jobs: []SimJob{{JobID: "mgnjob-0000000000000tst1", Type: "LAUNCH", InitiatedBy: "START_TEST",
		Status: JobCompleted, ParticipatingServers: parts}}})
	env := simkit.NewEnv(simkit.Behaviour{})
	sim, err := NewSandboxSimulator(world, env)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(sim.Handler())
	defer hs.Close()
	c, err := NewClient(context.Background(), ClientOptions{Settings: Settings{Endpoint: hs.URL}, Static: &aws.Credentials{AccessKeyID: "a", SecretAccessKey: "b"}})
	if err != nil {
		t.Fatal(err)
	}
	p := NewWithClient(c, time.Millisecond, time.Millisecond)
	live, diags := p.Read(context.Background(), reqs)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if n := env.Stats.Get(OpDescribeSourceServers); n != 3 {
		t.Errorf("%d DescribeSourceServers for 450 servers, want 3", n)
	}
	if n := env.Stats.Get(OpDescribeJobs); n != 1 {
		t.Errorf("%d DescribeJobs, want 1", n)
	}
	sizes := map[string]int{}
	for _, l := range live {
		b := l.(*Live).Batch
		if b == nil {
			t.Fatal("a ready server has no batch")
		}
		sizes[b.ID] = len(b.Servers)
	}
	var got []int
	for _, n := range sizes {
		got = append(got, n)
	}
	if total := got[0] + got[1] + got[2]; len(got) != 3 || total != 450 {
		t.Errorf("batch sizes %v, want 200 + 200 of the first wave and 50 of the second", got)
	}
	for _, n := range got {
		if n != 200 && n != 50 {
			t.Errorf("batch sizes %v, want 200, 200 and 50", got)
		}
	}
}
