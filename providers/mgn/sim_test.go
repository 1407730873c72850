package mgn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ferry-dev/ferry/providers/simkit"
)

func readFixture(t *testing.T, name string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSimTypesHoldFixtureItems: a DescribeSourceServers or DescribeJobs item of the fixtures is a
// valid world entry (strictly decoded) and comes back unchanged.
func TestSimTypesHoldFixtureItems(t *testing.T) {
	for _, tc := range []struct {
		file string
		into func() any
	}{
		{"describe_source_servers.json", func() any { return &SimSourceServer{} }},
		{"describe_source_servers_page2.json", func() any { return &SimSourceServer{} }},
		{"describe_jobs.json", func() any { return &SimJob{} }},
	} {
		for i, item := range readFixture(t, tc.file)["items"].([]any) {
			raw, _ := json.Marshal(item)
			v := tc.into()
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(v); err != nil {
				t.Fatalf("%s item %d: %v", tc.file, i, err)
			}
			back, _ := json.Marshal(v)
			var got any
			_ = json.Unmarshal(back, &got)
			if diff := cmp.Diff(item, got); diff != "" {
				t.Errorf("%s item %d round trip (-fixture +sim):\n%s", tc.file, i, diff)
			}
		}
	}
}

// keyPaths lists the member paths of a JSON value (array elements as []).
func keyPaths(v any, prefix string, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			p := prefix + "." + k
			if strings.HasPrefix(prefix, ".tags") || strings.HasSuffix(prefix, ".tags") {
				p = prefix + ".*" // tag keys are the caller's
			}
			out[p] = true
			keyPaths(e, p, out)
		}
	case []any:
		for _, e := range x {
			keyPaths(e, prefix+"[]", out)
		}
	}
}

type simHarness struct {
	t     *testing.T
	url   string
	clock *simkit.ManualClock
	env   *simkit.Env
	sim   *Simulator
}

func newSimHarness(t *testing.T, world string, b simkit.Behaviour) *simHarness {
	t.Helper()
	clock := simkit.NewManualClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	env := simkit.NewEnv(b, simkit.WithWallClock(clock.Now))
	s, err := NewSandboxSimulator(json.RawMessage(world), env)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return &simHarness{t: t, url: hs.URL, clock: clock, env: env, sim: s.(*Simulator)}
}

// call POSTs body to /op, signed or not, and returns the status, the error type and the JSON answer.
func (h *simHarness) call(op, body string) (int, string, map[string]any) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.url+"/"+op, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		h.t.Fatalf("%s answered %q: %v", op, raw, err)
	}
	return resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), v
}

const simTestWorld = `{"sourceServers": [
  {"sourceServerID": "s-1234567890abcdef0", "isArchived": false, "lifeCycle": {"state": "READY_FOR_CUTOVER"},
   "dataReplicationInfo": {"dataReplicationState": "CONTINUOUS", "lagDuration": "PT5S"}, "sourceProperties": {"identificationHints": {"hostname": "db01"}}},
  {"sourceServerID": "s-0000000000ZZZZzzz", "isArchived": false, "lifeCycle": {"state": "READY_FOR_CUTOVER"},
   "dataReplicationInfo": {"dataReplicationState": "CONTINUOUS", "lagDuration": "PT5S"}},
  {"sourceServerID": "s-00000000000000002", "isArchived": false, "lifeCycle": {"state": "READY_FOR_TEST"},
   "dataReplicationInfo": {"dataReplicationState": "CONTINUOUS", "lagDuration": "PT5S"}}
], "jobs": []}`

// TestSimAnswersUseDocumentedNames: every member the simulator answers with is one the fixtures
// (the documented shapes) have, at the same place.
func TestSimAnswersUseDocumentedNames(t *testing.T) {
	h := newSimHarness(t, simTestWorld, simkit.Behaviour{Durations: map[string]simkit.Duration{DurationLaunch: simkit.Duration(time.Minute)}})
	documented := map[string]bool{}
	for _, f := range []string{"describe_source_servers.json", "describe_source_servers_page2.json", "describe_jobs.json", "start_cutover.json"} {
		keyPaths(readFixture(t, f), "", documented)
	}
	for k := range documented { // items of DescribeJobs and the job of StartCutover are both Jobs
		if strings.HasPrefix(k, ".job.") {
			documented[".items[]."+strings.TrimPrefix(k, ".job.")] = true
		}
		if strings.HasPrefix(k, ".items[].") {
			documented[".job."+strings.TrimPrefix(k, ".items[].")] = true
		}
	}
	errDocumented := map[string]bool{}
	keyPaths(readFixture(t, "error_conflict.json"), "", errDocumented)

	var answers []map[string]any
	status, _, start := h.call("StartCutover", `{"sourceServerIDs": ["s-1234567890abcdef0"], "tags": {"ferry:batch": "b1"}}`)
	if status != http.StatusAccepted {
		t.Fatalf("StartCutover = %d %v", status, start)
	}
	answers = append(answers, start)
	h.clock.Advance(2 * time.Minute)
	_, _, servers := h.call("DescribeSourceServers", `{"filters": {"sourceServerIDs": ["s-1234567890abcdef0"]}, "maxResults": 1}`)
	_, _, jobs := h.call("DescribeJobs", `{"filters": {"jobIDs": []}}`)
	answers = append(answers, servers, jobs)
	for _, a := range answers {
		got := map[string]bool{}
		keyPaths(a, "", got)
		for k := range got {
			if !documented[k] {
				t.Errorf("the simulator answers with %s, which the documented shapes do not have", k)
			}
		}
	}
	status, code, conflict := h.call("StartCutover", `{"sourceServerIDs": ["s-1234567890abcdef0", "s-00000000000000002"]}`)
	if status != http.StatusConflict || code != "ConflictException" {
		t.Fatalf("second StartCutover = %d %s", status, code)
	}
	got := map[string]bool{}
	keyPaths(conflict, "", got)
	for k := range got {
		if !errDocumented[k] {
			t.Errorf("ConflictException has %s, which the documented shape does not have", k)
		}
	}
	ids := []string{}
	for _, e := range conflict["errors"].([]any) {
		ids = append(ids, e.(map[string]any)["resourceId"].(string))
	}
	sort.Strings(ids)
	if diff := cmp.Diff([]string{"s-00000000000000002", "s-1234567890abcdef0"}, ids); diff != "" {
		t.Errorf("conflicting servers (-want +got):\n%s", diff)
	}
}

// TestSimRules: the documented errors for wrong states and bad input, each with its status and
// X-Amzn-ErrorType, and launch jobs that progress with time.
func TestSimRules(t *testing.T) {
	h := newSimHarness(t, simTestWorld, simkit.Behaviour{Durations: map[string]simkit.Duration{DurationLaunch: simkit.Duration(10 * time.Minute)},
		Faults: []simkit.Fault{{Operation: OpStartCutover, Outcome: simkit.OutcomeFail, Match: "s-0000000000ZZZZzzz"}}})
	var many []string
	for i := range 201 {
		many = append(many, fmt.Sprintf(`"s-%017d"`, i))
	}
	cases := []struct {
		op, body string
		status   int
		code     string
	}{
		{"StartCutover", `{"sourceServerIDs": [` + strings.Join(many, ",") + `]}`, 400, "ValidationException"},
		{"StartCutover", `{"sourceServerIDs": []}`, 400, "ValidationException"},
		{"DescribeSourceServers", `{"filters": {"sourceServerIDs": [` + strings.Join(many, ",") + `]}}`, 400, "ValidationException"},
		{"DescribeSourceServers", `{"maxResults": 1001}`, 400, "ValidationException"},
		{"FinalizeCutover", `{"sourceServerID": "s-99999999999999999"}`, 404, "ResourceNotFoundException"},
		{"FinalizeCutover", `{"sourceServerID": "s-1234567890abcdef0"}`, 409, "ConflictException"},
		{"MarkAsArchived", `{"sourceServerID": "s-1234567890abcdef0"}`, 409, "ConflictException"},
		{"ChangeServerLifeCycleState", `{"sourceServerID": "s-00000000000000002", "lifeCycle": {"state": "READY_FOR_CUTOVER"}}`, 409, "ConflictException"},
		{"ChangeServerLifeCycleState", `{"sourceServerID": "s-00000000000000002", "lifeCycle": {"state": "CUTTING_OVER"}}`, 400, "ValidationException"},
		{"DescribeJobs", `{not json`, 400, "SerializationException"},
		{"MarkAsArchived", `{"sourceServerID": 7}`, 400, "SerializationException"},
		{"Nothing", `{}`, 404, "UnknownOperationException"},
	}
	for _, c := range cases {
		if status, code, body := h.call(c.op, c.body); status != c.status || code != c.code || body["message"] == "" {
			t.Errorf("%s %.60s = %d %s %v; want %d %s", c.op, c.body, status, code, body, c.status, c.code)
		}
	}
	// One job for two servers: STARTED, then COMPLETED after mgn.launch with one server LAUNCHED and
	// the faulted one FAILED; both stay CUTTING_OVER until FinalizeCutover, which only the launched
	// one passes.
	status, _, start := h.call("StartCutover", `{"sourceServerIDs": ["s-1234567890abcdef0", "s-0000000000ZZZZzzz"]}`)
	if status != 202 {
		t.Fatalf("StartCutover = %d %v", status, start)
	}
	job := start["job"].(map[string]any)["jobID"].(string)
	if !jobIDRE.MatchString(job) {
		t.Errorf("job ID %q is not mgnjob- and 17", job)
	}
	jobStatus := func() (string, map[string]string) {
		_, _, v := h.call("DescribeJobs", `{"filters": {"jobIDs": ["`+job+`"]}}`)
		j := v["items"].([]any)[0].(map[string]any)
		launch := map[string]string{}
		for _, p := range j["participatingServers"].([]any) {
			launch[p.(map[string]any)["sourceServerID"].(string)] = p.(map[string]any)["launchStatus"].(string)
		}
		return j["status"].(string), launch
	}
	h.clock.Advance(5 * time.Minute)
	if st, _ := jobStatus(); st != "STARTED" {
		t.Errorf("job after 5 of 10 minutes = %s", st)
	}
	h.clock.Advance(5 * time.Minute)
	st, launch := jobStatus()
	if st != JobCompleted || launch["s-1234567890abcdef0"] != LaunchLaunched || launch["s-0000000000ZZZZzzz"] != LaunchFailed {
		t.Errorf("job after 10 minutes = %s %v", st, launch)
	}
	if s, code, _ := h.call("FinalizeCutover", `{"sourceServerID": "s-0000000000ZZZZzzz"}`); s != 409 || code != "ConflictException" {
		t.Errorf("FinalizeCutover of the failed launch = %d %s", s, code)
	}
	if s, _, v := h.call("FinalizeCutover", `{"sourceServerID": "s-1234567890abcdef0"}`); s != 200 || v["lifeCycle"].(map[string]any)["state"] != StateCutover ||
		v["dataReplicationInfo"].(map[string]any)["dataReplicationState"] != StateDisconnected {
		t.Errorf("FinalizeCutover = %d %v", s, v)
	}
	if s, _, v := h.call("MarkAsArchived", `{"sourceServerID": "s-1234567890abcdef0"}`); s != 200 || v["isArchived"] != true {
		t.Errorf("MarkAsArchived = %d %v", s, v)
	}
	if n := h.env.Stats.Get(OpStartCutover); n != 3 {
		t.Errorf("StartCutover counted %d times, want 3", n)
	}
}

func TestSimUninitializedAndUnsigned(t *testing.T) {
	h := newSimHarness(t, `{"sourceServers": [], "jobs": [], "uninitialized": true}`, simkit.Behaviour{})
	if s, code, _ := h.call("DescribeSourceServers", `{}`); s != 400 || code != "UninitializedAccountException" {
		t.Errorf("uninitialized account = %d %s", s, code)
	}
	resp, err := http.Post(h.url+"/DescribeSourceServers", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("X-Amzn-ErrorType") != "AccessDeniedException" {
		t.Errorf("unsigned request = %d %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
	}
	for _, bad := range []string{`{"sourceServers": [{"sourceServerID": "s-123", "lifeCycle": {"state": "READY_FOR_TEST"}}]}`,
		`{"sourceServers": [], "servers": []}`, `{"jobs": [{"jobID": "job-1"}]}`,
		// Misspelt values the simulator reads: a "COMPLETE" test job would progress and launch.
		`{"jobs": [{"jobID": "mgnjob-00000000000000001", "status": "COMPLETE"}]}`,
		`{"jobs": [{"jobID": "mgnjob-00000000000000001", "status": "COMPLETED", "creationDateTime": "yesterday"}]}`,
		`{"jobs": [{"jobID": "mgnjob-00000000000000001", "status": "COMPLETED", "participatingServers": [{"sourceServerID": "s-00000000000000001", "launchStatus": "FAIL"}]}]}`} {
		if _, err := NewSandboxSimulator(json.RawMessage(bad), simkit.NewEnv(simkit.Behaviour{})); err == nil {
			t.Errorf("world %s accepted", bad)
		}
	}
}

func FuzzSimRequest(f *testing.F) {
	f.Add("StartCutover", `{"sourceServerIDs": ["s-1234567890abcdef0"]}`)
	f.Add("DescribeSourceServers", `{"filters": {"sourceServerIDs": ["s-1234567890abcdef0"]}, "nextToken": "x"}`)
	f.Add("ChangeServerLifeCycleState", `{"sourceServerID": "s-00000000000000002", "lifeCycle": {"state": "READY_FOR_TEST"}}`)
	f.Fuzz(func(t *testing.T, op, body string) {
		s, err := NewSandboxSimulator(json.RawMessage(simTestWorld), simkit.NewEnv(simkit.Behaviour{}))
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.URL.Path = "/" + op
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 x")
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %q: %d", op, body, w.Code)
		}
	})
}
