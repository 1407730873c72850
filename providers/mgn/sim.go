package mgn

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ferry-dev/ferry/providers/simkit"
)

// simDefaultLaunch is how long a simulated launch job takes when the world does not say (mgn.launch).
const simDefaultLaunch = 3 * time.Second

// simTimeLayout is how MGN writes its date-times: UTC with a "Z", the pattern of the API reference
// ([1-9][0-9]*-MM-DDThh:mm:ss(\.[0-9]+)?Z, 19 to 32 characters).
const simTimeLayout = "2006-01-02T15:04:05.000000Z"

// maxSimBody bounds a request body.
const maxSimBody = 1 << 20

// Simulator serves the MGN operations ferry uses, from memory, speaking restJson1 as the SDK does:
// POST /<Operation> with a JSON body; errors with X-Amzn-ErrorType and the modelled bodies. Launch
// jobs (StartTest, StartCutover) complete mgn.launch after they start; a fault with outcome "fail" on
// mgn.StartCutover or mgn.StartTest, matching a server ID, makes that server's launch FAILED.
type Simulator struct {
	env *simkit.Env

	mu            sync.Mutex
	uninitialized bool
	servers       []*SimSourceServer
	byID          map[string]*SimSourceServer
	jobs          []*simJob
	jobByID       map[string]*simJob
	seq           int
}

type simJob struct {
	SimJob
	started time.Time
	failed  map[string]bool // servers whose launch fails
}

// NewSandboxSimulator builds the simulator of a world section (empty: an empty account).
func NewSandboxSimulator(section json.RawMessage, env *simkit.Env) (simkit.Simulator, error) {
	var w SimWorld
	if len(bytes.TrimSpace(section)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(section))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&w); err != nil {
			return nil, fmt.Errorf("mgn: %w", err)
		}
	}
	s := &Simulator{env: env, uninitialized: w.Uninitialized, byID: map[string]*SimSourceServer{}, jobByID: map[string]*simJob{}}
	for i := range w.SourceServers {
		sv := w.SourceServers[i]
		if !serverIDRE.MatchString(sv.SourceServerID) {
			return nil, fmt.Errorf("mgn.sourceServers[%d].sourceServerID: %q is not s- and 17 letters or digits", i, sv.SourceServerID)
		}
		if s.byID[sv.SourceServerID] != nil {
			return nil, fmt.Errorf("mgn.sourceServers[%d]: %s appears twice", i, sv.SourceServerID)
		}
		if sv.LifeCycle.State == "" {
			return nil, fmt.Errorf("mgn.sourceServers[%d].lifeCycle.state is required", i)
		}
		if sv.Arn == "" {
			sv.Arn = "arn:aws:mgn:us-east-1:111122223333:source-server/" + sv.SourceServerID
		}
		s.servers = append(s.servers, &sv)
		s.byID[sv.SourceServerID] = &sv
	}
	for i, j := range w.Jobs {
		if !jobIDRE.MatchString(j.JobID) {
			return nil, fmt.Errorf("mgn.jobs[%d].jobID: %q is not mgnjob- and 17 letters or digits", i, j.JobID)
		}
		if err := checkSimJob(i, j); err != nil {
			return nil, err
		}
		started := env.Now()
		if j.CreationDateTime != "" {
			t, err := time.Parse(time.RFC3339Nano, j.CreationDateTime)
			if err != nil {
				return nil, fmt.Errorf("mgn.jobs[%d].creationDateTime: %q is not a date-time such as 2026-12-01T10:00:00.000000Z", i, j.CreationDateTime)
			}
			started = t
		}
		sj := &simJob{SimJob: j, started: started, failed: map[string]bool{}}
		s.jobs = append(s.jobs, sj)
		s.jobByID[j.JobID] = sj
	}
	s.seq = len(w.Jobs)
	return s, nil
}

// checkSimJob refuses a world job whose status or launch status is not one of the API's values: a
// misspelt "COMPLETE" would otherwise make the job progress and launch its servers, turning a failed
// test launch into a successful one without a word.
func checkSimJob(i int, j SimJob) error {
	switch j.Status {
	case "", "PENDING", "STARTED", JobCompleted:
	default:
		return fmt.Errorf("mgn.jobs[%d].status: %q is not one of PENDING, STARTED, COMPLETED", i, j.Status)
	}
	for k, p := range j.ParticipatingServers {
		switch p.LaunchStatus {
		case "", "PENDING", "IN_PROGRESS", LaunchLaunched, LaunchFailed, LaunchTerminated:
		default:
			return fmt.Errorf("mgn.jobs[%d].participatingServers[%d].launchStatus: %q is not one of PENDING, IN_PROGRESS, LAUNCHED, FAILED, TERMINATED", i, k, p.LaunchStatus)
		}
	}
	return nil
}

// Snapshot returns the current world section.
func (s *Simulator) Snapshot() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.progress()
	w := SimWorld{SourceServers: []SimSourceServer{}, Jobs: []SimJob{}, Uninitialized: s.uninitialized}
	for _, sv := range s.servers {
		w.SourceServers = append(w.SourceServers, *sv)
	}
	for _, j := range s.jobs {
		w.Jobs = append(w.Jobs, j.SimJob)
	}
	return w
}

func (s *Simulator) stamp() string { return s.env.Now().UTC().Format(simTimeLayout) }

// progress moves launch jobs on with simulated time (s.mu held): STARTED at once, COMPLETED
// mgn.launch after the start, each participating server LAUNCHED or, when a fault said so, FAILED.
func (s *Simulator) progress() {
	now := s.env.Now()
	d := s.env.Duration(DurationLaunch, simDefaultLaunch)
	for _, j := range s.jobs {
		if j.Status == JobCompleted || j.started.IsZero() {
			continue
		}
		if now.Before(j.started.Add(d)) {
			j.Status = "STARTED"
			for i := range j.ParticipatingServers {
				j.ParticipatingServers[i].LaunchStatus = "IN_PROGRESS"
			}
			continue
		}
		j.Status, j.EndDateTime = JobCompleted, j.started.Add(d).UTC().Format(simTimeLayout)
		for i := range j.ParticipatingServers {
			p := &j.ParticipatingServers[i]
			if j.failed[p.SourceServerID] {
				p.LaunchStatus = LaunchFailed
				continue
			}
			p.LaunchStatus = LaunchLaunched
			p.LaunchedEC2InstanceID = fmt.Sprintf("i-%s%03d", strings.TrimPrefix(j.JobID, "mgnjob-")[3:], i%1000)
			if sv := s.byID[p.SourceServerID]; sv != nil {
				sv.LaunchedInstance = &SimLaunchedInstance{EC2InstanceID: p.LaunchedEC2InstanceID, FirstBoot: "SUCCEEDED", JobID: j.JobID}
			}
		}
	}
}

// Handler serves POST /<Operation>.
func (s *Simulator) Handler() http.Handler {
	ops := map[string]func(http.ResponseWriter, []byte){
		"/DescribeSourceServers":      s.describeSourceServers,
		"/DescribeJobs":               s.describeJobs,
		"/StartTest":                  func(w http.ResponseWriter, b []byte) { s.start(w, b, "START_TEST") },
		"/StartCutover":               func(w http.ResponseWriter, b []byte) { s.start(w, b, "START_CUTOVER") },
		"/ChangeServerLifeCycleState": s.changeLifeCycle,
		"/FinalizeCutover":            s.finalize,
		"/MarkAsArchived":             s.archive,
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fn, ok := ops[r.URL.Path]
		if !ok || r.Method != http.MethodPost {
			writeError(w, http.StatusNotFound, "UnknownOperationException", simError{Message: r.Method + " " + r.URL.Path + " is not an MGN operation the simulator serves"})
			return
		}
		op := "mgn." + strings.TrimPrefix(r.URL.Path, "/")
		s.env.Stats.Inc(op)
		s.env.Delay(r.Context())
		if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
			writeError(w, http.StatusForbidden, "AccessDeniedException", simError{Message: "the request is not signed with SigV4", Code: "AccessDeniedException"})
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSimBody))
		if err != nil {
			writeError(w, http.StatusBadRequest, "SerializationException", simError{Message: "the request body could not be read: " + err.Error()})
			return
		}
		fault, faulty := s.env.Faults.Take(op, faultKeys(body)...)
		if faulty && !fault.LostResponse {
			s.fault(w, op, fault)
			return
		}
		if faulty {
			// Performed, then the answer is lost: a dropped connection or an error status.
			rec := &discard{header: http.Header{}}
			s.serve(rec, body, fn)
			if fault.Status == 0 && simkit.DropConnection(w) {
				return
			}
			s.fault(w, op, fault)
			return
		}
		s.serve(w, body, fn)
	})
}

func (s *Simulator) serve(w http.ResponseWriter, body []byte, fn func(http.ResponseWriter, []byte)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.uninitialized {
		writeError(w, http.StatusBadRequest, "UninitializedAccountException", simError{Message: "Account not initialized: call InitializeService first", Code: "UninitializedAccountException"})
		return
	}
	s.progress()
	fn(w, body)
}

// faultKeys are the server and job IDs a request names, which a fault's match may name.
func faultKeys(body []byte) []string {
	var b struct {
		SourceServerID  string   `json:"sourceServerID"`
		SourceServerIDs []string `json:"sourceServerIDs"`
		Filters         *struct {
			SourceServerIDs []string `json:"sourceServerIDs"`
			JobIDs          []string `json:"jobIDs"`
		} `json:"filters"`
	}
	_ = json.Unmarshal(body, &b)
	keys := append([]string{b.SourceServerID}, b.SourceServerIDs...)
	if b.Filters != nil {
		keys = append(append(keys, b.Filters.SourceServerIDs...), b.Filters.JobIDs...)
	}
	return keys
}

func (s *Simulator) fault(w http.ResponseWriter, op string, f simkit.Fault) {
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if status == http.StatusTooManyRequests {
		s.env.Stats.Inc(op + ".throttled")
		simkit.SetRetryAfter(w, max(time.Duration(f.RetryAfter), time.Second))
		writeError(w, status, "ThrottlingException", simError{Message: "Rate exceeded (injected fault)", ServiceCode: "mgn"})
		return
	}
	if status >= 500 {
		writeError(w, status, "InternalServerException", simError{Message: http.StatusText(status) + " (injected fault)"})
		return
	}
	code := map[int]string{http.StatusBadRequest: "ValidationException", http.StatusForbidden: "AccessDeniedException",
		http.StatusNotFound: "ResourceNotFoundException", http.StatusConflict: "ConflictException"}[status]
	if code == "" || (code == "ValidationException" && op == OpMarkAsArchived) {
		code = "SerializationException" // not a modelled error of the operation: a generic 4xx
	}
	writeError(w, status, code, simError{Message: http.StatusText(status) + " (injected fault)"})
}

// page cuts items to one page: maxResults (1–1000, default 1000) or the behaviour's page size.
func (s *Simulator) page(w http.ResponseWriter, n int, maxResults *int, token string) (from, to int, next string, ok bool) {
	size := MaxResults
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > MaxResults {
			writeError(w, http.StatusBadRequest, "ValidationException", simError{Message: fmt.Sprintf("maxResults %d is not between 1 and %d", *maxResults, MaxResults), Reason: "fieldValidationFailed"})
			return 0, 0, "", false
		}
		size = *maxResults
	}
	size = min(size, s.env.PageSize(size))
	if token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		o, err2 := strconv.Atoi(strings.TrimPrefix(string(raw), "offset:"))
		if err != nil || err2 != nil || o < 0 || o > n {
			writeError(w, http.StatusBadRequest, "ValidationException", simError{Message: "nextToken is not valid", Reason: "fieldValidationFailed"})
			return 0, 0, "", false
		}
		from = o
	}
	to = min(from+size, n)
	if to < n {
		next = base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(to)))
	}
	return from, to, next, true
}

func (s *Simulator) describeSourceServers(w http.ResponseWriter, body []byte) {
	var req simDescribeSourceServersRequest
	if !decode(w, body, &req) {
		return
	}
	var want map[string]bool
	var archived *bool
	var states map[string]bool
	if f := req.Filters; f != nil {
		if len(f.SourceServerIDs) > MaxServersPerDescribe {
			writeError(w, http.StatusBadRequest, "ValidationException", simError{Message: fmt.Sprintf("filters.sourceServerIDs has %d items; at most %d", len(f.SourceServerIDs), MaxServersPerDescribe), Reason: "fieldValidationFailed"})
			return
		}
		if f.SourceServerIDs != nil {
			want = map[string]bool{}
			for _, id := range f.SourceServerIDs {
				want[id] = true
			}
		}
		archived = f.IsArchived
		if len(f.LifeCycleStates) > 0 {
			states = map[string]bool{}
			for _, st := range f.LifeCycleStates {
				states[st] = true
			}
		}
	}
	var match []SimSourceServer
	for _, sv := range s.servers {
		if (want == nil || want[sv.SourceServerID]) && (archived == nil || *archived == sv.IsArchived) && (states == nil || states[sv.LifeCycle.State]) {
			match = append(match, *sv)
		}
	}
	from, to, next, ok := s.page(w, len(match), req.MaxResults, req.NextToken)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": nonNil(match[from:to]), "nextToken": omitEmpty(next)})
}

func (s *Simulator) describeJobs(w http.ResponseWriter, body []byte) {
	var req simDescribeJobsRequest
	if !decode(w, body, &req) {
		return
	}
	var want map[string]bool
	if f := req.Filters; f != nil && f.JobIDs != nil {
		if len(f.JobIDs) > MaxJobsPerDescribe {
			writeError(w, http.StatusBadRequest, "ValidationException", simError{Message: fmt.Sprintf("filters.jobIDs has %d items; at most %d", len(f.JobIDs), MaxJobsPerDescribe), Reason: "fieldValidationFailed"})
			return
		}
		want = map[string]bool{}
		for _, id := range f.JobIDs {
			want[id] = true
		}
	}
	var match []SimJob
	for _, j := range s.jobs {
		if want == nil || want[j.JobID] {
			match = append(match, j.SimJob)
		}
	}
	from, to, next, ok := s.page(w, len(match), req.MaxResults, req.NextToken)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": nonNil(match[from:to]), "nextToken": omitEmpty(next)})
}

// start serves StartTest and StartCutover: 1–200 known servers, each in a state that allows the
// launch, or a ConflictException naming every server that is not; then one job for all, 202.
func (s *Simulator) start(w http.ResponseWriter, body []byte, by string) {
	var req simStartRequest
	if !decode(w, body, &req) {
		return
	}
	op := "StartCutover"
	if by == "START_TEST" {
		op = "StartTest"
	}
	if n := len(req.SourceServerIDs); n < 1 || n > MaxServersPerJob {
		writeError(w, http.StatusBadRequest, "ValidationException", simError{Message: fmt.Sprintf("sourceServerIDs has %d items; %s takes 1 to %d", n, op, MaxServersPerJob), Reason: "fieldValidationFailed"})
		return
	}
	var conflicts []simErrorDetail
	seen := map[string]bool{}
	for _, id := range req.SourceServerIDs {
		sv := s.byID[id]
		if sv == nil {
			writeError(w, http.StatusBadRequest, "ValidationException", simError{Message: "source server " + id + " does not exist", Reason: "fieldValidationFailed"})
			return
		}
		if seen[id] {
			writeError(w, http.StatusBadRequest, "ValidationException", simError{Message: "source server " + id + " is named twice", Reason: "fieldValidationFailed"})
			return
		}
		seen[id] = true
		if why := launchRefusal(sv, by); why != "" {
			conflicts = append(conflicts, simErrorDetail{Message: why, ResourceID: id, ResourceType: "SOURCE_SERVER"})
		}
	}
	if len(conflicts) > 0 {
		writeError(w, http.StatusConflict, "ConflictException", simError{Message: fmt.Sprintf("%d of the source servers cannot be launched", len(conflicts)),
			Code: "ConflictException", ResourceType: "SOURCE_SERVER", Errors: conflicts})
		return
	}
	s.seq++
	id := fmt.Sprintf("mgnjob-%017x", s.seq)
	for s.jobByID[id] != nil {
		s.seq++
		id = fmt.Sprintf("mgnjob-%017x", s.seq)
	}
	now := s.stamp()
	j := &simJob{SimJob: SimJob{JobID: id, Arn: "arn:aws:mgn:us-east-1:111122223333:job/" + id, Type: "LAUNCH", InitiatedBy: by,
		CreationDateTime: now, Status: "PENDING"}, started: s.env.Now(), failed: map[string]bool{}}
	for _, sid := range req.SourceServerIDs {
		j.ParticipatingServers = append(j.ParticipatingServers, SimParticipatingServer{SourceServerID: sid, LaunchStatus: "PENDING"})
		if s.env.Faults.TakeOutcome("mgn."+op, sid) != "" {
			j.failed[sid] = true
		}
		sv := s.byID[sid]
		launch := &SimLastLaunch{Initiated: &SimInitiated{APICallDateTime: now, JobID: id}}
		if by == "START_TEST" {
			sv.LifeCycle.State, sv.LifeCycle.LastTest = StateTesting, launch
		} else {
			sv.LifeCycle.State, sv.LifeCycle.LastCutover = StateCuttingOver, launch
		}
	}
	s.jobs = append(s.jobs, j)
	s.jobByID[id] = j
	writeJSON(w, http.StatusAccepted, map[string]any{"job": j.SimJob})
}

// launchRefusal says why a server cannot be launched now ("" when it can).
func launchRefusal(sv *SimSourceServer, by string) string {
	if sv.IsArchived {
		return "Source server " + sv.SourceServerID + " is archived"
	}
	if sv.DataReplicationInfo == nil || sv.DataReplicationInfo.LagDuration == "" {
		return "Source server " + sv.SourceServerID + " is not launchable: no data has been replicated yet"
	}
	st := sv.LifeCycle.State
	if by == "START_TEST" {
		if st != StateReadyForTest && st != StateTesting && st != StateReadyForCutover {
			return fmt.Sprintf("Source server %s is in lifecycle state %s; a test launch needs READY_FOR_TEST, TESTING or READY_FOR_CUTOVER", sv.SourceServerID, st)
		}
		return ""
	}
	if st != StateReadyForCutover {
		return fmt.Sprintf("Source server %s is in lifecycle state %s; a cutover launch needs READY_FOR_CUTOVER", sv.SourceServerID, st)
	}
	return ""
}

func (s *Simulator) server(w http.ResponseWriter, body []byte) (*SimSourceServer, *simServerRequest) {
	var req simServerRequest
	if !decode(w, body, &req) {
		return nil, nil
	}
	sv := s.byID[req.SourceServerID]
	if sv == nil {
		writeError(w, http.StatusNotFound, "ResourceNotFoundException", simError{Message: "Source server " + req.SourceServerID + " not found",
			Code: "ResourceNotFoundException", ResourceID: req.SourceServerID, ResourceType: "SOURCE_SERVER"})
		return nil, nil
	}
	return sv, &req
}

func conflict(w http.ResponseWriter, sv *SimSourceServer, msg string) {
	writeError(w, http.StatusConflict, "ConflictException", simError{Message: msg, Code: "ConflictException", ResourceID: sv.SourceServerID, ResourceType: "SOURCE_SERVER",
		Errors: []simErrorDetail{{Message: msg, ResourceID: sv.SourceServerID, ResourceType: "SOURCE_SERVER"}}})
}

// changeLifeCycle serves ChangeServerLifeCycleState: READY_FOR_TEST (back from TESTING or
// READY_FOR_CUTOVER), READY_FOR_CUTOVER (from TESTING, for a launchable server) or CUTOVER (from
// CUTTING_OVER).
func (s *Simulator) changeLifeCycle(w http.ResponseWriter, body []byte) {
	sv, req := s.server(w, body)
	if sv == nil {
		return
	}
	if req.LifeCycle == nil {
		writeError(w, http.StatusBadRequest, "ValidationException", simError{Message: "lifeCycle is required", Reason: "fieldValidationFailed"})
		return
	}
	from, to := sv.LifeCycle.State, req.LifeCycle.State
	ok := false
	switch to {
	case StateReadyForTest:
		ok = from == StateTesting || from == StateReadyForCutover
	case StateReadyForCutover:
		ok = from == StateTesting && sv.DataReplicationInfo != nil && sv.DataReplicationInfo.LagDuration != ""
	case StateCutover:
		ok = from == StateCuttingOver
	default:
		writeError(w, http.StatusBadRequest, "ValidationException", simError{Message: fmt.Sprintf("lifeCycle.state %q is not READY_FOR_TEST, READY_FOR_CUTOVER or CUTOVER", to), Reason: "fieldValidationFailed"})
		return
	}
	if !ok || sv.IsArchived {
		conflict(w, sv, fmt.Sprintf("Source server %s cannot change from %s to %s", sv.SourceServerID, from, to))
		return
	}
	sv.LifeCycle.State = to
	if to == StateReadyForCutover && sv.LifeCycle.LastTest != nil {
		sv.LifeCycle.LastTest.Finalized = &SimAPICall{APICallDateTime: s.stamp()}
	}
	writeJSON(w, http.StatusOK, sv)
}

// finalize serves FinalizeCutover: valid in CUTTING_OVER once the cutover instance launched; the
// server moves to CUTOVER, replication is DISCONNECTED and the lag nullified.
func (s *Simulator) finalize(w http.ResponseWriter, body []byte) {
	sv, _ := s.server(w, body)
	if sv == nil {
		return
	}
	launched := false
	if lc := sv.LifeCycle.LastCutover; lc != nil && lc.Initiated != nil {
		if j := s.jobByID[lc.Initiated.JobID]; j != nil {
			for _, p := range j.ParticipatingServers {
				launched = launched || (p.SourceServerID == sv.SourceServerID && p.LaunchStatus == LaunchLaunched)
			}
		}
	}
	if sv.LifeCycle.State != StateCuttingOver || !launched || sv.IsArchived {
		conflict(w, sv, fmt.Sprintf("Source server %s is in lifecycle state %s; FinalizeCutover needs CUTTING_OVER with a launched cutover instance", sv.SourceServerID, sv.LifeCycle.State))
		return
	}
	sv.LifeCycle.State = StateCutover
	sv.LifeCycle.LastCutover.Finalized = &SimAPICall{APICallDateTime: s.stamp()}
	if sv.DataReplicationInfo == nil {
		sv.DataReplicationInfo = &SimDataReplication{}
	}
	sv.DataReplicationInfo.DataReplicationState, sv.DataReplicationInfo.LagDuration = StateDisconnected, ""
	writeJSON(w, http.StatusOK, sv)
}

// archive serves MarkAsArchived: valid in CUTOVER or DISCONNECTED.
func (s *Simulator) archive(w http.ResponseWriter, body []byte) {
	sv, _ := s.server(w, body)
	if sv == nil {
		return
	}
	if st := sv.LifeCycle.State; st != StateCutover && st != StateDisconnected {
		conflict(w, sv, fmt.Sprintf("Source server %s is in lifecycle state %s; MarkAsArchived needs CUTOVER or DISCONNECTED", sv.SourceServerID, st))
		return
	}
	sv.IsArchived = true
	writeJSON(w, http.StatusOK, sv)
}

// Jobs returns the simulator's jobs, oldest first (tests count them per server).
func (s *Simulator) Jobs() []SimJob {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.progress()
	out := make([]SimJob, 0, len(s.jobs))
	for _, j := range s.jobs {
		out = append(out, j.SimJob)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].CreationDateTime < out[b].CreationDateTime })
	return out
}

// Server returns a copy of one source server, or nil.
func (s *Simulator) Server(id string) *SimSourceServer {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.progress()
	sv := s.byID[id]
	if sv == nil {
		return nil
	}
	c := *sv
	return &c
}

func decode(w http.ResponseWriter, body []byte, v any) bool {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		// A body that is not the operation's JSON is refused by the protocol layer, before any
		// operation's own (modelled) validation.
		writeError(w, http.StatusBadRequest, "SerializationException", simError{Message: "the request body could not be read: " + err.Error()})
		return false
	}
	return true
}

func writeError(w http.ResponseWriter, status int, code string, body simError) {
	w.Header().Set("X-Amzn-ErrorType", code)
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"message":"the simulator could not encode its answer"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func omitEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// discard is a ResponseWriter that drops the answer of an operation whose response is lost.
type discard struct{ header http.Header }

func (d *discard) Header() http.Header         { return d.header }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}
