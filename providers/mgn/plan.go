package mgn

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/state"
)

// Step names.
const (
	StepMarkReady    = "mark_ready"
	StepStartCutover = "start_cutover"
	StepAwaitCutover = "await_cutover"
	StepFinalize     = "finalize"
	StepArchive      = "archive"
)

// StepParams is the payload of every step.
type StepParams struct {
	SourceServerID string `json:"source_server_id"`
	// Batch is the StartCutover call of start_cutover.
	Batch *Batch `json:"batch,omitempty"`
	// JobID is the cutover job await_cutover reads when the plan knows it; else start_cutover's.
	JobID string `json:"job_id,omitempty"`
	// Final marks the change's last step: its outcome makes the resource done.
	Final bool `json:"final,omitempty"`
}

// decision is what the live server and the spec say a cutover needs.
type decision struct {
	action  model.Action
	summary string
	reasons []string
	// steps are the step names in order.
	steps []string
	// start is set when the plan starts a cutover job; markReady when it first moves the server from
	// TESTING to READY_FOR_CUTOVER.
	start, markReady bool
	// jobID is the running or finished cutover job the plan waits on.
	jobID string
}

// decide applies the gate and picks the steps; Read (to batch) and Plan share it.
func decide(in model.Instance, prior *state.Resource, l *Live) decision {
	c := in.Cutover
	sv := l.Server
	done := prior != nil && prior.Status == state.StatusDone
	if sv == nil {
		return decision{action: model.ActionBlocked, summary: "source server " + c.SourceServerID + " not found",
			reasons: []string{"MGN does not know source server " + c.SourceServerID + " in this account and region"}}
	}
	finish := func(d decision) decision {
		if c.Finalize && sv.State != StateCutover && !(sv.State == StateDisconnected && sv.CutoverFinalized) {
			d.steps = append(d.steps, StepFinalize)
		} else if dangling(prior, StepFinalize) {
			d.steps = append(d.steps, StepFinalize)
		}
		if c.Archive && !sv.Archived || dangling(prior, StepArchive) {
			d.steps = append(d.steps, StepArchive)
		}
		return d
	}
	switch sv.State {
	case StateCutover:
		d := finish(decision{})
		switch {
		case len(d.steps) > 0:
			d.action, d.summary = model.ActionResume, fmt.Sprintf("%s already cut over; %s", describe(sv), strings.Join(stepWords(d.steps), ", "))
		case done:
			d.action, d.summary = model.ActionNoop, describe(sv)+" cut over"
		default:
			d.action, d.summary = model.ActionResume, describe(sv)+" already cut over; record it"
		}
		return d
	case StateCuttingOver:
		if sv.LastCutoverJobID == "" {
			return decision{action: model.ActionBlocked, summary: describe(sv) + " is CUTTING_OVER without a cutover job",
				reasons: []string{"lifecycle CUTTING_OVER but lifeCycle.lastCutover.initiated.jobID is empty"}}
		}
		d := decision{jobID: sv.LastCutoverJobID}
		if dangling(prior, StepStartCutover) {
			d.steps = append(d.steps, StepStartCutover)
		}
		d.steps = append(d.steps, StepAwaitCutover)
		d = finish(d)
		// Recorded done with this very job (or MGN names the launched instance, which the API
		// reference does not promise to fill in): nothing left to do.
		if done && !c.Finalize && !c.Archive && (sv.InstanceID != "" || prior.RemoteIDs["job_id"] == sv.LastCutoverJobID) {
			return decision{action: model.ActionNoop, summary: describe(sv) + " cutover instance " + sv.InstanceID + " launched (not finalized)"}
		}
		// The job already ended without launching this server: waiting for it again would only fail
		// again. A person has to relaunch or revert the cutover in MGN; until then it is blocked.
		if j := l.CutoverJob; j != nil && strings.EqualFold(j.Status, JobCompleted) && j.Launch[sv.ID] != LaunchLaunched {
			why := fmt.Sprintf("cutover job %s COMPLETED but the launch of %s is %s; the server stays CUTTING_OVER: look at the job log in MGN, then relaunch or revert it there",
				j.ID, sv.ID, orUnknown(j.Launch[sv.ID]))
			return decision{action: model.ActionBlocked, summary: describe(sv) + " not cut over: the cutover launch failed", reasons: []string{why}}
		}
		d.action, d.summary = model.ActionResume, fmt.Sprintf("%s: wait for cutover job %s", describe(sv), sv.LastCutoverJobID)
		if len(d.steps) > 1 {
			d.summary += ", then " + strings.Join(stepWords(d.steps[1:]), ", ")
		}
		return d
	}
	reasons := gate(c, sv, l.TestJob)
	if sv.State != StateReadyForCutover && sv.State != StateTesting {
		reasons = append([]string{"lifecycle " + orUnknown(sv.State)}, reasons...)
	}
	if len(reasons) > 0 {
		return decision{action: model.ActionBlocked, summary: describe(sv) + " not cut over: " + strings.Join(reasons, "; "), reasons: reasons}
	}
	d := decision{action: model.ActionCreate, start: true}
	if sv.State == StateTesting {
		d.markReady = true
		d.steps = append(d.steps, StepMarkReady)
	} else if dangling(prior, StepMarkReady) {
		d.steps = append(d.steps, StepMarkReady)
	}
	d.steps = append(d.steps, StepStartCutover, StepAwaitCutover)
	d = finish(d)
	d.summary = fmt.Sprintf("cut over %s: %s", describe(sv), strings.Join(stepWords(d.steps), ", "))
	return d
}

// gate returns why a server may not be cut over now (none: it may): replication CONTINUOUS, a lag
// (the server is launchable) within max_lag, and with require_test a test launch that reached
// LAUNCHED.
func gate(c *model.Cutover, sv *Server, testJob *Job) []string {
	var reasons []string
	if sv.Replication != ReplicationContinuous {
		reasons = append(reasons, "replication "+orUnknown(sv.Replication))
	}
	// The API reference gives lagDuration no format: it is parsed only to compare it with max_lag.
	if sv.Lag == "" {
		reasons = append(reasons, "not launchable: MGN reports no lag (no data replicated yet)")
	} else if c.MaxLag > 0 {
		switch lag, err := ParseDuration(sv.Lag); {
		case err != nil:
			reasons = append(reasons, "lagDuration could not be compared with max_lag: "+err.Error())
		case lag > c.MaxLag:
			reasons = append(reasons, fmt.Sprintf("lag %s exceeds max_lag %s", sv.Lag, c.MaxLagISO))
		}
	}
	if c.RequireTest && !testLaunched(sv, testJob) {
		why := "no successful test launch"
		switch {
		case sv.LastTestJobID == "":
		case testJob == nil:
			why += fmt.Sprintf(" (test job %s not found)", sv.LastTestJobID)
		default:
			why += fmt.Sprintf(" (test job %s %s, launch %s)", testJob.ID, testJob.Status, orUnknown(testJob.Launch[sv.ID]))
		}
		reasons = append(reasons, why)
	}
	return reasons
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func describe(sv *Server) string {
	if sv.Hostname != "" {
		return sv.ID + " (" + sv.Hostname + ")"
	}
	return sv.ID
}

// stepWords names steps by the MGN operation they call.
func stepWords(steps []string) []string {
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = map[string]string{StepMarkReady: "ChangeServerLifeCycleState READY_FOR_CUTOVER", StepStartCutover: "StartCutover",
			StepAwaitCutover: "wait for the job", StepFinalize: "FinalizeCutover", StepArchive: "MarkAsArchived"}[s]
	}
	return out
}

// Plan turns the desired cutover, its state entry and what Read found into a Change; it makes no
// remote calls.
func (p *Provider) Plan(desired model.Instance, prior *state.Resource, live providers.Live) (model.Change, hcl.Diagnostics) {
	ch := model.Change{Addr: desired.Addr, Kind: model.KindCutover, Provider: Name, DependsOn: desired.DependsOn}
	c := desired.Cutover
	if c == nil {
		return ch, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Not a cutover", Detail: string(desired.Addr) + " is not a cutover block.", Subject: &desired.DeclRange}}
	}
	l, _ := live.(*Live)
	if l == nil {
		ch.Action, ch.Summary = model.ActionBlocked, "not read from AWS MGN"
		return ch, nil
	}
	if l.Server == nil {
		if prior != nil && prior.Status == state.StatusDone {
			// Cut over by ferry, then deleted from MGN (its end of life): nothing left to do.
			ch.Action, ch.Summary = model.ActionNoop, "cut over (source server "+c.SourceServerID+" is no longer in MGN)"
			return ch, nil
		}
		// A server MGN does not know is a mistake in the spec (a typo, another account or region),
		// as a missing legacy subscription is: an error (exit 1), not a change MGN blocks (exit 3).
		return ch, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Source server not found",
			Detail: fmt.Sprintf("MGN does not know source server %s (source_server_id of %s) in this account and region. Check "+
				"source_server_id, and the region and credentials of provider \"mgn\". %s is not planned; the others are planned as usual.",
				c.SourceServerID, desired.Addr, desired.Addr),
			Subject: &desired.DeclRange, Extra: providers.Unreadable{Addrs: []model.Addr{desired.Addr}}}}
	}
	d := decide(desired, prior, l)
	ch.Action, ch.Summary, ch.Reasons = d.action, d.summary, d.reasons
	ch.Details = details(c, l)
	if d.action == model.ActionBlocked || d.action == model.ActionNoop {
		return ch, nil
	}
	ch.State = &state.Resource{Addr: string(desired.Addr), Kind: desired.Kind, Provider: Name, Status: state.StatusDone,
		RemoteIDs:  map[string]string{"source_server_id": c.SourceServerID},
		Attributes: map[string]string{"finalize": fmt.Sprint(c.Finalize), "archive": fmt.Sprint(c.Archive)}}
	if l.Server.Hostname != "" {
		ch.State.Attributes["hostname"] = l.Server.Hostname
	}
	timeout := c.Timeout
	if timeout == 0 {
		timeout = DefaultCutoverTimeout
	}
	if p.timeScale > 1 {
		timeout = time.Duration(float64(timeout) / p.timeScale)
	}
	for i, name := range d.steps {
		params := StepParams{SourceServerID: c.SourceServerID, Final: i == len(d.steps)-1}
		st := model.Step{Addr: desired.Addr, Provider: Name, Name: name, Attempt: attempt(prior, name)}
		switch name {
		case StepMarkReady:
			st.Mutating, st.Description = true, "ChangeServerLifeCycleState to READY_FOR_CUTOVER"
		case StepStartCutover:
			params.Batch = l.Batch
			if params.Batch == nil {
				params.Batch = &Batch{ID: "single-" + c.SourceServerID, Servers: []string{c.SourceServerID}}
			}
			st.Mutating = true
			st.Description = fmt.Sprintf("StartCutover (%d servers in one job)", len(params.Batch.Servers))
		case StepAwaitCutover:
			params.JobID = d.jobID
			st.Wait, st.Timeout, st.Description = true, timeout, "waiting for the cutover job to launch the instance"
		case StepFinalize:
			st.Mutating, st.Description = true, "FinalizeCutover"
		case StepArchive:
			st.Mutating, st.Description = true, "MarkAsArchived"
		}
		st.Params, _ = json.Marshal(params)
		ch.Steps = append(ch.Steps, st)
	}
	return ch, nil
}

// attempt is the attempt of a step: the interrupted one's again, one more after one that ended (a
// server cut over again after a revert gets a new key), else 1.
func attempt(prior *state.Resource, name string) int {
	r := priorStep(prior, name)
	switch {
	case r == nil:
		return 1
	case r.Status == state.StepIntent:
		return r.Attempt
	}
	return r.Attempt + 1
}

// details are the plan's lines about the server: lifecycle, replication, lag, test launch.
func details(c *model.Cutover, l *Live) []model.Detail {
	sv := l.Server
	if sv == nil {
		return []model.Detail{{Name: "source_server_id", New: c.SourceServerID}}
	}
	lag := orUnknown(sv.Lag)
	if sv.Lag == "" {
		lag = "none"
	}
	if c.MaxLagISO != "" {
		lag += " (max_lag " + c.MaxLagISO + ")"
	}
	test := "none"
	if sv.LastTestJobID != "" {
		test = sv.LastTestJobID
		if l.TestJob != nil {
			test += " " + orUnknown(l.TestJob.Launch[sv.ID])
		} else {
			test += " (not found)"
		}
	}
	out := []model.Detail{
		{Name: "source_server_id", New: sv.ID},
		{Name: "lifecycle", New: orUnknown(sv.State)},
		{Name: "replication", New: orUnknown(sv.Replication)},
		{Name: "lag", New: lag},
		{Name: "test_launch", New: test},
	}
	if sv.Hostname != "" {
		out = append(out, model.Detail{Name: "hostname", New: sv.Hostname})
	}
	if sv.LastCutoverJobID != "" {
		out = append(out, model.Detail{Name: "cutover_job", New: sv.LastCutoverJobID})
	}
	if l.Batch != nil && len(l.Batch.Servers) > 1 {
		out = append(out, model.Detail{Name: "wave", New: fmt.Sprintf("StartCutover with %d servers", len(l.Batch.Servers))})
	}
	return out
}
