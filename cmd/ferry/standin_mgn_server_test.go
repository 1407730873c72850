package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A stand-in of AWS Application Migration Service (MGN), written from AWS's documents only — the
// MGN API reference (StartCutover, ChangeServerLifeCycleState, FinalizeCutover, MarkAsArchived,
// DescribeSourceServers, DescribeJobs; the SourceServer, LifeCycle, DataReplicationInfo, Job and
// ParticipatingServer shapes and their constraints; ConflictException, ValidationException,
// ResourceNotFoundException, ThrottlingException with Retry-After) and the restJson1 protocol as the
// AWS SDKs speak it (POST /<Operation>, a JSON body, errors named by X-Amzn-ErrorType) — never from
// ferry's code or its simulator: its types are its own.
//
// Where AWS is silent it does the least helpful thing a documentation-faithful service could do:
//   - StartCutover's tags ("Start Cutover by Tags") are accepted and never put on the job;
//   - DescribeSourceServers without the isArchived filter leaves archived servers out;
//   - pages are cut to mgServerPage servers and mgJobPage jobs, whatever maxResults asks;
//   - a StartCutover with any server it cannot cut over is refused as a whole with a
//     ConflictException that names no server;
//   - a cutover job is PENDING, then STARTED, then COMPLETED after mgLaunchTime (several reads),
//     and the server stays CUTTING_OVER; launchedInstance is never filled in;
//   - date-times are UTC with a "Z" (the documented pattern), lagDuration in several ISO 8601 forms;
//   - the first FinalizeCutover is throttled (429, Retry-After: 1), and so is the first
//     DescribeSourceServers (Retry-After: 2); a resend before the wait is up is a violation.
//
// Every request outside the documented contract is recorded in violations.

const (
	mgServerPage = 2
	mgJobPage    = 1
	mgLaunchTime = 1500 * time.Millisecond
	mgTimeLayout = "2006-01-02T15:04:05.000Z"
)

var (
	mgServerIDRE = regexp.MustCompile(`^s-[0-9a-zA-Z]{17}$`)
	mgJobIDRE    = regexp.MustCompile(`^mgnjob-[0-9a-zA-Z]{17}$`)
	mgDateTimeRE = regexp.MustCompile(`^[1-9][0-9]*-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([0-1][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?Z$`)
)

// mgSourceServer is a SourceServer (the members the stand-in keeps).
type mgSourceServer struct {
	SourceServerID      string            `json:"sourceServerID"`
	Arn                 string            `json:"arn"`
	IsArchived          bool              `json:"isArchived"`
	ReplicationType     string            `json:"replicationType"`
	LifeCycle           mgLifeCycle       `json:"lifeCycle"`
	DataReplicationInfo mgDataReplication `json:"dataReplicationInfo"`
	SourceProperties    mgProperties      `json:"sourceProperties"`
	Tags                map[string]string `json:"tags"`
}

type mgLifeCycle struct {
	State                  string    `json:"state"`
	AddedToServiceDateTime string    `json:"addedToServiceDateTime"`
	LastTest               *mgLaunch `json:"lastTest,omitempty"`
	LastCutover            *mgLaunch `json:"lastCutover,omitempty"`
}

// mgLaunch is LifeCycleLastTest / LifeCycleLastCutover.
type mgLaunch struct {
	Initiated *mgInitiated `json:"initiated,omitempty"`
	Finalized *mgCall      `json:"finalized,omitempty"`
}

type mgInitiated struct {
	APICallDateTime string `json:"apiCallDateTime"`
	JobID           string `json:"jobID"`
}

type mgCall struct {
	APICallDateTime string `json:"apiCallDateTime"`
}

type mgDataReplication struct {
	DataReplicationState string  `json:"dataReplicationState"`
	LagDuration          *string `json:"lagDuration,omitempty"`
}

type mgProperties struct {
	IdentificationHints struct {
		Hostname string `json:"hostname"`
	} `json:"identificationHints"`
}

// mgJob is a Job.
type mgJob struct {
	JobID                string          `json:"jobID"`
	Arn                  string          `json:"arn"`
	Type                 string          `json:"type"`
	InitiatedBy          string          `json:"initiatedBy"`
	CreationDateTime     string          `json:"creationDateTime"`
	EndDateTime          string          `json:"endDateTime,omitempty"`
	Status               string          `json:"status"`
	ParticipatingServers []mgParticipant `json:"participatingServers"`

	created time.Time
	reads   int
}

type mgParticipant struct {
	SourceServerID string `json:"sourceServerID"`
	LaunchStatus   string `json:"launchStatus"`
}

// mgnStandin serves the stand-in.
type mgnStandin struct {
	mu      sync.Mutex
	servers []*mgSourceServer
	jobs    []*mgJob
	seq     int

	// dropStartAnswers loses the answers of that many StartCutover calls: performed, then the
	// connection closes.
	dropStartAnswers int
	// throttleFinalize throttles that many FinalizeCutover calls.
	throttleFinalize int
	throttledUntil   map[string]time.Time
	// throttleReads throttles that many DescribeSourceServers calls (429, Retry-After: 2).
	throttleReads      int
	readThrottledUntil time.Time

	requests      map[string]int
	continuations int
	startTags     []map[string]string
	violations    []string
}

func newMgnStandin() *mgnStandin {
	return &mgnStandin{requests: map[string]int{}, throttledUntil: map[string]time.Time{}}
}

func mgNow() string { return time.Now().UTC().Format(mgTimeLayout) }

// addServer adds a replicating server in state with lag (nil: not launchable) and, when test is
// set, a completed test job whose launch of it ended with that launchStatus.
func (s *mgnStandin) addServer(id, hostname, state string, lag *string, test string) {
	sv := &mgSourceServer{SourceServerID: id, Arn: "arn:aws:mgn:eu-west-1:111122223333:source-server/" + id,
		ReplicationType: "AGENT_BASED", Tags: map[string]string{},
		LifeCycle:           mgLifeCycle{State: state, AddedToServiceDateTime: "2026-11-02T09:12:44Z"},
		DataReplicationInfo: mgDataReplication{DataReplicationState: "CONTINUOUS", LagDuration: lag}}
	sv.SourceProperties.IdentificationHints.Hostname = hostname
	if test != "" {
		j := s.newJob("START_TEST", []string{id}, time.Now().Add(-48*time.Hour))
		j.Status, j.EndDateTime = "COMPLETED", time.Now().Add(-47*time.Hour).UTC().Format(mgTimeLayout)
		j.ParticipatingServers[0].LaunchStatus = test
		sv.LifeCycle.LastTest = &mgLaunch{Initiated: &mgInitiated{APICallDateTime: j.CreationDateTime, JobID: j.JobID}}
	}
	s.servers = append(s.servers, sv)
}

func (s *mgnStandin) newJob(by string, ids []string, at time.Time) *mgJob {
	s.seq++
	id := fmt.Sprintf("mgnjob-%017d", s.seq)
	j := &mgJob{JobID: id, Arn: "arn:aws:mgn:eu-west-1:111122223333:job/" + id, Type: "LAUNCH", InitiatedBy: by,
		CreationDateTime: at.UTC().Format(mgTimeLayout), Status: "PENDING", created: at}
	for _, sid := range ids {
		j.ParticipatingServers = append(j.ParticipatingServers, mgParticipant{SourceServerID: sid, LaunchStatus: "PENDING"})
	}
	s.jobs = append(s.jobs, j)
	return j
}

func (s *mgnStandin) server(id string) *mgSourceServer {
	for _, sv := range s.servers {
		if sv.SourceServerID == id {
			return sv
		}
	}
	return nil
}

// cutoverJobs counts, per server, the cutover jobs that launched it.
func (s *mgnStandin) cutoverJobs() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for _, j := range s.jobs {
		if j.InitiatedBy == "START_CUTOVER" {
			for _, p := range j.ParticipatingServers {
				out[p.SourceServerID]++
			}
		}
	}
	return out
}

func (s *mgnStandin) violate(format string, args ...any) {
	s.violations = append(s.violations, fmt.Sprintf(format, args...))
}

// fail writes a restJson1 error: the type in X-Amzn-ErrorType, a JSON body with its message.
func (s *mgnStandin) fail(w http.ResponseWriter, status int, typ, msg string, extra map[string]any) {
	body := map[string]any{"message": msg}
	for k, v := range extra {
		body[k] = v
	}
	w.Header().Set("X-Amzn-ErrorType", typ)
	s.json(w, status, body)
}

func (s *mgnStandin) json(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *mgnStandin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	op := strings.TrimPrefix(r.URL.Path, "/")
	s.requests[op]++
	if r.Method != http.MethodPost {
		s.violate("%s %s: every MGN operation is a POST", r.Method, r.URL.Path)
		s.fail(w, http.StatusMethodNotAllowed, "ValidationException", "method not allowed", nil)
		return
	}
	if a := r.Header.Get("Authorization"); !strings.HasPrefix(a, "AWS4-HMAC-SHA256 Credential=AKIASTANDIN/") || !strings.Contains(a, "/eu-west-1/mgn/aws4_request") {
		s.violate("%s: not signed with SigV4 for mgn in eu-west-1 (%q)", op, a)
		s.fail(w, http.StatusForbidden, "AccessDeniedException", "The security token included in the request is invalid.", nil)
		return
	}
	var body map[string]json.RawMessage
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
		s.violate("%s: body is not a JSON object: %v", op, err)
		s.fail(w, http.StatusBadRequest, "ValidationException", "body is not JSON", nil)
		return
	}
	switch op {
	case "DescribeSourceServers":
		if time.Now().Before(s.readThrottledUntil) {
			s.violate("DescribeSourceServers resent before its Retry-After was up")
		}
		if s.throttleReads > 0 {
			s.throttleReads--
			s.readThrottledUntil = time.Now().Add(2 * time.Second)
			w.Header().Set("Retry-After", "2")
			s.fail(w, http.StatusTooManyRequests, "ThrottlingException", "Rate exceeded", map[string]any{"serviceCode": "mgn"})
			return
		}
		s.describeSourceServers(w, body)
	case "DescribeJobs":
		s.describeJobs(w, body)
	case "StartCutover":
		s.startCutover(w, body)
	case "ChangeServerLifeCycleState":
		s.changeLifeCycle(w, body)
	case "FinalizeCutover":
		s.finalize(w, body)
	case "MarkAsArchived":
		s.archive(w, body)
	default:
		s.violate("unknown operation %s", op)
		s.fail(w, http.StatusNotFound, "UnknownOperationException", "unknown operation", nil)
	}
}

// page reads maxResults (1–1000) and nextToken, and returns the offset and page size to serve.
func (s *mgnStandin) page(w http.ResponseWriter, op string, body map[string]json.RawMessage, cut int) (offset, size int, ok bool) {
	size = cut
	if raw, has := body["maxResults"]; has {
		var n int
		if err := json.Unmarshal(raw, &n); err != nil || n < 1 || n > 1000 {
			s.violate("%s: maxResults %s outside 1–1000", op, raw)
			s.fail(w, http.StatusBadRequest, "ValidationException", "maxResults must be between 1 and 1000", map[string]any{"reason": "fieldValidationFailed"})
			return 0, 0, false
		}
		size = min(size, n)
	}
	if raw, has := body["nextToken"]; has {
		var tok string
		_ = json.Unmarshal(raw, &tok)
		b, err := base64.RawURLEncoding.DecodeString(tok)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "offset:"))
		if err != nil || err2 != nil || n < 0 {
			s.violate("%s: nextToken %q is not one the stand-in gave", op, tok)
			s.fail(w, http.StatusBadRequest, "ValidationException", "invalid nextToken", nil)
			return 0, 0, false
		}
		offset = n
		s.continuations++
	}
	return offset, size, true
}

func mgToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(offset)))
}

func (s *mgnStandin) describeSourceServers(w http.ResponseWriter, body map[string]json.RawMessage) {
	var f struct {
		SourceServerIDs []string `json:"sourceServerIDs"`
		IsArchived      *bool    `json:"isArchived"`
	}
	if raw, ok := body["filters"]; ok {
		if err := json.Unmarshal(raw, &f); err != nil {
			s.violate("DescribeSourceServers: filters %s", raw)
		}
	}
	if len(f.SourceServerIDs) > 200 {
		s.violate("DescribeSourceServers: %d sourceServerIDs, at most 200", len(f.SourceServerIDs))
		s.fail(w, http.StatusBadRequest, "ValidationException", "too many sourceServerIDs", map[string]any{"reason": "fieldValidationFailed"})
		return
	}
	want := map[string]bool{}
	for _, id := range f.SourceServerIDs {
		if !mgServerIDRE.MatchString(id) {
			s.violate("DescribeSourceServers: source server ID %q", id)
		}
		want[id] = true
	}
	offset, size, ok := s.page(w, "DescribeSourceServers", body, mgServerPage)
	if !ok {
		return
	}
	var all []*mgSourceServer
	for _, sv := range s.servers {
		archivedOK := (f.IsArchived == nil && !sv.IsArchived) || (f.IsArchived != nil && *f.IsArchived == sv.IsArchived)
		if (len(want) == 0 || want[sv.SourceServerID]) && archivedOK {
			all = append(all, sv)
		}
	}
	out := map[string]any{"items": []*mgSourceServer{}}
	if offset < len(all) {
		end := min(offset+size, len(all))
		out["items"] = all[offset:end]
		if end < len(all) {
			out["nextToken"] = mgToken(end)
		}
	}
	s.json(w, http.StatusOK, out)
}

// advance moves a job on: STARTED at its first read, COMPLETED (each server LAUNCHED) once
// mgLaunchTime has passed.
func (j *mgJob) advance() {
	if j.Status == "COMPLETED" {
		return
	}
	j.reads++
	status, launch := "STARTED", "IN_PROGRESS"
	if time.Since(j.created) >= mgLaunchTime && j.reads > 1 {
		status, launch = "COMPLETED", "LAUNCHED"
		j.EndDateTime = mgNow()
	}
	j.Status = status
	for i := range j.ParticipatingServers {
		j.ParticipatingServers[i].LaunchStatus = launch
	}
}

func (s *mgnStandin) describeJobs(w http.ResponseWriter, body map[string]json.RawMessage) {
	var f struct {
		JobIDs []string `json:"jobIDs"`
	}
	if raw, ok := body["filters"]; ok {
		if err := json.Unmarshal(raw, &f); err != nil {
			s.violate("DescribeJobs: filters %s", raw)
		}
	}
	if len(f.JobIDs) == 0 {
		s.violate("DescribeJobs without jobIDs: every job of the account")
	}
	if len(f.JobIDs) > 1000 {
		s.violate("DescribeJobs: %d jobIDs, at most 1000", len(f.JobIDs))
		s.fail(w, http.StatusBadRequest, "ValidationException", "too many jobIDs", map[string]any{"reason": "fieldValidationFailed"})
		return
	}
	want := map[string]bool{}
	for _, id := range f.JobIDs {
		if !mgJobIDRE.MatchString(id) {
			s.violate("DescribeJobs: job ID %q", id)
		}
		want[id] = true
	}
	offset, size, ok := s.page(w, "DescribeJobs", body, mgJobPage)
	if !ok {
		return
	}
	var all []*mgJob
	// Latest first, as the API reference says.
	for i := len(s.jobs) - 1; i >= 0; i-- {
		if j := s.jobs[i]; len(want) == 0 || want[j.JobID] {
			all = append(all, j)
		}
	}
	out := map[string]any{"items": []*mgJob{}}
	if offset < len(all) {
		end := min(offset+size, len(all))
		for _, j := range all[offset:end] {
			j.advance()
		}
		out["items"] = all[offset:end]
		if end < len(all) {
			out["nextToken"] = mgToken(end)
		}
	}
	s.json(w, http.StatusOK, out)
}

func (s *mgnStandin) startCutover(w http.ResponseWriter, body map[string]json.RawMessage) {
	var req struct {
		SourceServerIDs []string          `json:"sourceServerIDs"`
		Tags            map[string]string `json:"tags"`
	}
	b, _ := json.Marshal(body)
	_ = json.Unmarshal(b, &req)
	if len(req.SourceServerIDs) < 1 || len(req.SourceServerIDs) > 200 {
		s.violate("StartCutover with %d sourceServerIDs, 1 to 200", len(req.SourceServerIDs))
		s.fail(w, http.StatusBadRequest, "ValidationException", "sourceServerIDs must hold 1 to 200 IDs", map[string]any{"reason": "fieldValidationFailed"})
		return
	}
	s.startTags = append(s.startTags, req.Tags)
	for _, id := range req.SourceServerIDs {
		sv := s.server(id)
		if sv == nil || sv.IsArchived || sv.LifeCycle.State != "READY_FOR_CUTOVER" || sv.DataReplicationInfo.LagDuration == nil {
			// Refused as a whole, naming no server.
			s.fail(w, http.StatusConflict, "ConflictException", "Cannot start cutover for the given source servers.", map[string]any{"code": "ConflictException"})
			return
		}
	}
	j := s.newJob("START_CUTOVER", req.SourceServerIDs, time.Now())
	for _, id := range req.SourceServerIDs {
		sv := s.server(id)
		sv.LifeCycle.State = "CUTTING_OVER"
		sv.LifeCycle.LastCutover = &mgLaunch{Initiated: &mgInitiated{APICallDateTime: j.CreationDateTime, JobID: j.JobID}}
	}
	if s.dropStartAnswers > 0 {
		s.dropStartAnswers--
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	s.json(w, http.StatusAccepted, map[string]any{"job": j})
}

// serverOf reads sourceServerID of a one-server call; nil (answered) when unknown.
func (s *mgnStandin) serverOf(w http.ResponseWriter, op string, body map[string]json.RawMessage) *mgSourceServer {
	var id string
	_ = json.Unmarshal(body["sourceServerID"], &id)
	if !mgServerIDRE.MatchString(id) {
		s.violate("%s: sourceServerID %q", op, id)
		s.fail(w, http.StatusBadRequest, "ValidationException", "invalid sourceServerID", map[string]any{"reason": "fieldValidationFailed"})
		return nil
	}
	sv := s.server(id)
	if sv == nil {
		s.fail(w, http.StatusNotFound, "ResourceNotFoundException", "Source server not found", map[string]any{"resourceId": id, "resourceType": "SOURCE_SERVER"})
	}
	return sv
}

func (s *mgnStandin) changeLifeCycle(w http.ResponseWriter, body map[string]json.RawMessage) {
	sv := s.serverOf(w, "ChangeServerLifeCycleState", body)
	if sv == nil {
		return
	}
	var lc struct {
		State string `json:"state"`
	}
	_ = json.Unmarshal(body["lifeCycle"], &lc)
	// The description names READY_FOR_TEST and READY_FOR_CUTOVER; the enum also holds CUTOVER.
	if lc.State != "READY_FOR_TEST" && lc.State != "READY_FOR_CUTOVER" && lc.State != "CUTOVER" {
		s.violate("ChangeServerLifeCycleState to %q: only READY_FOR_TEST, READY_FOR_CUTOVER or CUTOVER", lc.State)
		s.fail(w, http.StatusBadRequest, "ValidationException", "invalid lifeCycle.state", map[string]any{"reason": "fieldValidationFailed"})
		return
	}
	// "This command only works if the Source Server is already launchable (dataReplicationInfo.lagDuration is not null.)"
	if sv.DataReplicationInfo.LagDuration == nil || sv.IsArchived {
		s.fail(w, http.StatusConflict, "ConflictException", "Source server is not launchable", map[string]any{"resourceId": sv.SourceServerID, "resourceType": "SOURCE_SERVER"})
		return
	}
	sv.LifeCycle.State = lc.State
	s.json(w, http.StatusOK, sv)
}

func (s *mgnStandin) finalize(w http.ResponseWriter, body map[string]json.RawMessage) {
	sv := s.serverOf(w, "FinalizeCutover", body)
	if sv == nil {
		return
	}
	if time.Now().Before(s.throttledUntil[sv.SourceServerID]) {
		s.violate("FinalizeCutover of %s resent before its Retry-After was up", sv.SourceServerID)
	}
	if s.throttleFinalize > 0 {
		s.throttleFinalize--
		s.throttledUntil[sv.SourceServerID] = time.Now().Add(time.Second)
		w.Header().Set("Retry-After", "1")
		s.fail(w, http.StatusTooManyRequests, "ThrottlingException", "Rate exceeded", map[string]any{"serviceCode": "mgn", "quotaCode": "L-FINALIZE"})
		return
	}
	if sv.LifeCycle.State != "CUTTING_OVER" || sv.LifeCycle.LastCutover == nil {
		s.fail(w, http.StatusConflict, "ConflictException", "Source server is not cutting over", map[string]any{"resourceId": sv.SourceServerID, "resourceType": "SOURCE_SERVER"})
		return
	}
	// As documented: CUTOVER, replication DISCONNECTED, lagDuration nullified.
	sv.LifeCycle.State = "CUTOVER"
	sv.LifeCycle.LastCutover.Finalized = &mgCall{APICallDateTime: mgNow()}
	sv.DataReplicationInfo.DataReplicationState, sv.DataReplicationInfo.LagDuration = "DISCONNECTED", nil
	s.json(w, http.StatusOK, sv)
}

func (s *mgnStandin) archive(w http.ResponseWriter, body map[string]json.RawMessage) {
	sv := s.serverOf(w, "MarkAsArchived", body)
	if sv == nil {
		return
	}
	// "This command only works for SourceServers with a lifecycle.state which equals DISCONNECTED or CUTOVER."
	if st := sv.LifeCycle.State; st != "CUTOVER" && st != "DISCONNECTED" {
		s.fail(w, http.StatusConflict, "ConflictException", "Source server cannot be archived in state "+st, map[string]any{"resourceId": sv.SourceServerID, "resourceType": "SOURCE_SERVER"})
		return
	}
	sv.IsArchived = true
	s.json(w, http.StatusOK, sv)
}

// checkDateTimes records every date-time the stand-in wrote outside the documented pattern (a check
// of the stand-in itself).
func (s *mgnStandin) checkDateTimes() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, j := range s.jobs {
		for _, d := range []string{j.CreationDateTime, j.EndDateTime} {
			if d != "" && !mgDateTimeRE.MatchString(d) {
				s.violate("stand-in date-time %q", d)
			}
		}
	}
}
