package mgn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/state"
)

// Tags ferry sends with StartCutover. The API reference does not say that MGN puts them on the job;
// where it does, a resume checks them (see findBatchJobs), and finds the job without them otherwise.
const (
	TagBatch = "ferry:batch"
	TagKey   = "ferry:key"
)

// batchCall is one StartCutover of a batch, shared by its members' start_cutover steps.
type batchCall struct {
	done chan struct{}
	// jobs maps each member server started to its job; errs holds why the others were not.
	jobs map[string]string
	errs map[string]error
}

func decodeParams(step model.Step) (StepParams, error) {
	var p StepParams
	if err := json.Unmarshal(step.Params, &p); err != nil {
		return p, fmt.Errorf("%s: step params: %w", step.Name, err)
	}
	if p.SourceServerID == "" {
		return p, fmt.Errorf("%s: step params name no source server", step.Name)
	}
	return p, nil
}

// Do runs one step. start_cutover sends the StartCutover of the step's batch once for all its
// members (the first member to run sends it; the others take their job from it); the other mutating
// steps take one server per call.
func (p *Provider) Do(ctx context.Context, step model.Step, key string, progress func(model.Event)) (model.Outcome, error) {
	params, err := decodeParams(step)
	if err != nil {
		return model.Outcome{}, err
	}
	id := params.SourceServerID
	ids := map[string]string{"source_server_id": id}
	if j := step.Earlier["job_id"]; j != "" {
		ids["job_id"] = j
	}
	switch step.Name {
	case StepMarkReady:
		if _, err := p.client.MarkReadyForCutover(ctx, id); err != nil {
			return model.Outcome{}, p.explain(ctx, step, id, err, "TESTING (to be marked READY_FOR_CUTOVER)")
		}
		return model.Outcome{RemoteIDs: ids, Status: state.StatusInProgress}, nil
	case StepStartCutover:
		if params.Batch == nil {
			return model.Outcome{}, errors.New("start_cutover: no batch in the step")
		}
		job, err := p.startBatch(ctx, params.Batch, key, id)
		if err != nil {
			return model.Outcome{}, err
		}
		ids["job_id"] = job
		if progress != nil {
			progress(model.Event{Addr: step.Addr, Step: step.Name, Message: "cutover job " + job + " started", RemoteIDs: map[string]string{"job_id": job}})
		}
		return model.Outcome{RemoteIDs: ids, Status: state.StatusInProgress}, nil
	case StepAwaitCutover:
		return p.await(ctx, step, params, progress)
	case StepFinalize:
		sv, err := p.client.FinalizeCutover(ctx, id)
		if err != nil {
			return model.Outcome{}, p.explain(ctx, step, id, err, "CUTTING_OVER with a launched cutover instance")
		}
		return p.finished(params, ids, sv), nil
	case StepArchive:
		sv, err := p.client.MarkAsArchived(ctx, id)
		if err != nil {
			return model.Outcome{}, p.explain(ctx, step, id, err, "CUTOVER")
		}
		return p.finished(params, ids, sv), nil
	}
	return model.Outcome{}, fmt.Errorf("unknown step %q", step.Name)
}

func (p *Provider) finished(params StepParams, ids map[string]string, sv *Server) model.Outcome {
	out := model.Outcome{RemoteIDs: ids, Status: state.StatusInProgress}
	if sv != nil {
		out.Attributes = map[string]string{"lifecycle": sv.State, "archived": fmt.Sprint(sv.Archived)}
	}
	if params.Final {
		out.Status = state.StatusDone
	}
	return out
}

// explain turns a ConflictException into what a person needs: the server, the state it is in now,
// and what ferry expected (someone may have moved it by hand since the plan).
func (p *Provider) explain(ctx context.Context, step model.Step, id string, err error, expected string) error {
	var ae *APIError
	if !errors.As(err, &ae) || !ae.Conflict() {
		return fmt.Errorf("%s of %s: %w", step.Name, id, err)
	}
	now := "an unknown state"
	if servers, rerr := p.client.DescribeServers(ctx, []string{id}); rerr == nil && servers[id] != nil {
		now = "lifecycle " + servers[id].State
		if servers[id].Archived {
			now += " (archived)"
		}
	}
	return fmt.Errorf("server %s is in %s; ferry expected %s (was it changed by hand since the plan?): MGN answered %w", id, now, expected, err)
}

// startBatch returns the job that cuts server over: the batch's StartCutover is sent by the first
// member to get here, and shared with the others.
func (p *Provider) startBatch(ctx context.Context, b *Batch, key, server string) (string, error) {
	p.mu.Lock()
	bc := p.batches[b.ID]
	leader := bc == nil
	if leader {
		bc = &batchCall{done: make(chan struct{})}
		p.batches[b.ID] = bc
	}
	p.mu.Unlock()
	if leader {
		bc.jobs, bc.errs = p.sendBatch(ctx, b, key)
		close(bc.done)
	} else {
		select {
		case <-bc.done:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	if j, ok := bc.jobs[server]; ok {
		return j, nil
	}
	if err := bc.errs[server]; err != nil {
		return "", err
	}
	return "", fmt.Errorf("server %s is not in StartCutover batch %s", server, b.ID)
}

// sendBatch sends one StartCutover for the batch's servers. A ConflictException is a definite
// refusal: the servers it names (or, when it names none, those no longer READY_FOR_CUTOVER) are left
// out with the reason, and the rest is sent again. An answer that never arrived is reconciled at
// once by reading the servers' lifeCycle.lastCutover.initiated.jobID and the job's ferry:batch tag.
func (p *Provider) sendBatch(ctx context.Context, b *Batch, key string) (map[string]string, map[string]error) {
	jobs, errs := map[string]string{}, map[string]error{}
	ids := slices.Clone(b.Servers)
	tags := map[string]string{TagBatch: b.ID, TagKey: key}
	failAll := func(err error) (map[string]string, map[string]error) {
		for _, id := range ids {
			errs[id] = err
		}
		return jobs, errs
	}
	for round := 0; len(ids) > 0; round++ {
		sentAt := time.Now()
		job, err := p.client.StartCutover(ctx, ids, tags)
		if err == nil {
			for _, id := range ids {
				jobs[id] = job.ID
			}
			return jobs, errs
		}
		if errors.Is(err, model.ErrOutcomeUnknown) {
			found, rerr := p.findBatchJobs(ctx, ids, b.ID, sentAt.Add(-time.Minute))
			p.client.log("mgn: StartCutover of batch %s: answer lost; %d of %d servers found started by it", b.ID, len(found), len(ids))
			for id, j := range found {
				jobs[id] = j
			}
			rest := slices.DeleteFunc(ids, func(id string) bool { _, ok := found[id]; return ok })
			if rerr != nil {
				err = fmt.Errorf("%w (and reading the servers back failed: %v)", err, rerr)
			}
			for _, id := range rest {
				errs[id] = fmt.Errorf("StartCutover of %d servers: %w", len(b.Servers), err)
			}
			return jobs, errs
		}
		var ae *APIError
		if !errors.As(err, &ae) || !ae.Conflict() || round >= 2 {
			return failAll(fmt.Errorf("StartCutover of %d servers: %w", len(ids), err))
		}
		out := p.conflicting(ctx, ids, ae)
		if len(out) == 0 {
			return failAll(fmt.Errorf("StartCutover of %d servers: %w", len(ids), err))
		}
		for id, why := range out {
			errs[id] = fmt.Errorf("server %s is in %s; ferry expected READY_FOR_CUTOVER (was it changed by hand since the plan?): MGN answered %w", id, why, err)
		}
		ids = slices.DeleteFunc(ids, func(id string) bool { _, ok := out[id]; return ok })
	}
	return jobs, errs
}

// conflicting names the servers a ConflictException refused, with the state each is in now: those it
// names, or else those that are no longer READY_FOR_CUTOVER.
func (p *Provider) conflicting(ctx context.Context, ids []string, ae *APIError) map[string]string {
	servers, err := p.client.DescribeServers(ctx, ids)
	out := map[string]string{}
	for _, r := range ae.Resources {
		if slices.Contains(ids, r) {
			out[r] = "an unknown state"
			if sv := servers[r]; err == nil && sv != nil {
				out[r] = stateWords(sv)
			}
		}
	}
	if len(out) > 0 || err != nil {
		return out
	}
	for _, id := range ids {
		sv := servers[id]
		if sv == nil {
			out[id] = "no state: MGN does not know it"
		} else if sv.State != StateReadyForCutover || sv.Archived {
			out[id] = stateWords(sv)
		}
	}
	return out
}

func stateWords(sv *Server) string {
	s := "lifecycle " + orUnknown(sv.State)
	if sv.Archived {
		s += " (archived)"
	}
	return s
}

// findBatchJobs finds, among ids, the servers whose last cutover job this batch started. The API
// reference documents no label a job gets at its start (StartCutover's tags are only "Start Cutover
// by Tags"), so the job is recognised by what it does document: the server is CUTTING_OVER or
// later; its lifeCycle.lastCutover.initiated names the job; it was started no earlier than since
// (initiated's apiCallDateTime, else the job's creationDateTime); and, when DescribeJobs lists it,
// its initiatedBy is START_CUTOVER and its participatingServers hold the server. A job that carries
// a ferry:batch tag must carry this batch's.
func (p *Provider) findBatchJobs(ctx context.Context, ids []string, batch string, since time.Time) (map[string]string, error) {
	servers, err := p.client.DescribeServers(ctx, ids)
	if err != nil {
		return nil, err
	}
	var jobIDs []string
	for _, sv := range servers {
		if sv.LastCutoverJobID != "" {
			jobIDs = append(jobIDs, sv.LastCutoverJobID)
		}
	}
	if len(jobIDs) == 0 {
		return nil, nil
	}
	jobs, err := p.client.DescribeJobs(ctx, jobIDs)
	if err != nil {
		return nil, err
	}
	found := map[string]string{}
	for _, id := range ids {
		sv := servers[id]
		if sv == nil || sv.LastCutoverJobID == "" {
			continue
		}
		if startedBy(sv, jobs[sv.LastCutoverJobID], batch, since) {
			found[id] = sv.LastCutoverJobID
		}
	}
	return found, nil
}

// startedBy reports whether the server's last cutover job j (nil: not listed) may be the one batch
// started no earlier than since; see findBatchJobs.
func startedBy(sv *Server, j *Job, batch string, since time.Time) bool {
	// StartCutover moves a server to CUTTING_OVER (documented); one back in an earlier state had its
	// last cutover reverted, whatever job lastCutover still names.
	switch sv.State {
	case StateCuttingOver, StateCutover, StateDisconnected, "":
	default:
		return false
	}
	at := sv.LastCutoverAt
	if j != nil {
		if b, ok := j.Tags[TagBatch]; ok && b != batch {
			return false
		}
		if j.InitiatedBy != "" && !strings.EqualFold(j.InitiatedBy, InitiatedByStartCutover) {
			return false
		}
		if _, ok := j.Launch[sv.ID]; len(j.Launch) > 0 && !ok {
			return false
		}
		if at == "" {
			at = j.Created
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, at); err == nil && !since.IsZero() && t.Before(since) {
		return false
	}
	return true
}

// Reconcile finds what an interrupted step did: start_cutover by the server's last cutover job
// (tagged with the step's batch, created after the intent less an hour: members journal their
// intents after the batch was sent), mark_ready, finalize and archive by the server's state.
func (p *Provider) Reconcile(ctx context.Context, step model.Step, key string) (model.Outcome, bool, error) {
	params, err := decodeParams(step)
	if err != nil {
		return model.Outcome{}, false, err
	}
	id := params.SourceServerID
	ids := map[string]string{"source_server_id": id}
	if step.Name == StepStartCutover {
		if params.Batch == nil {
			return model.Outcome{}, false, nil
		}
		since := time.Time{}
		if !step.IntentAt.IsZero() {
			since = step.IntentAt.Add(-time.Hour)
		}
		// The batch the interrupted step was sent in was journaled with its intent (IntentIDs); the
		// plan of this apply may have grouped the servers differently.
		batch := params.Batch.ID
		if b := step.Earlier["batch_id"]; b != "" {
			batch = b
		}
		found, err := p.findBatchJobs(ctx, []string{id}, batch, since)
		if err != nil || found[id] == "" {
			return model.Outcome{}, false, err
		}
		ids["job_id"] = found[id]
		return model.Outcome{RemoteIDs: ids, Status: state.StatusInProgress}, true, nil
	}
	servers, err := p.client.DescribeServers(ctx, []string{id})
	if err != nil {
		return model.Outcome{}, false, err
	}
	sv := servers[id]
	if sv == nil {
		return model.Outcome{}, false, nil
	}
	switch step.Name {
	case StepMarkReady:
		if sv.State == StateReadyForCutover || sv.State == StateCuttingOver || sv.State == StateCutover {
			return model.Outcome{RemoteIDs: ids, Status: state.StatusInProgress}, true, nil
		}
	case StepFinalize:
		if sv.State == StateCutover || sv.CutoverFinalized {
			return p.finished(params, ids, sv), true, nil
		}
	case StepArchive:
		if sv.Archived {
			return p.finished(params, ids, sv), true, nil
		}
	}
	return model.Outcome{}, false, nil
}

var _ providers.Settler = (*Provider)(nil)

// Settle is how long a mutating call's effect may be missing from DescribeSourceServers and
// DescribeJobs, which Reconcile reads (AWS APIs are eventually consistent): an interrupted
// StartCutover whose server does not show the job yet is looked for again until then.
func (p *Provider) Settle(step model.Step) time.Duration {
	if !step.Mutating {
		return 0
	}
	return p.settle
}

// jobOfWait is the cutover job a wait reads: the plan's, or the one start_cutover reported.
func jobOfWait(step model.Step, params StepParams) string {
	if params.JobID != "" {
		return params.JobID
	}
	return step.Earlier["job_id"]
}

// await polls one job until it ends (used when no watcher runs the wait).
func (p *Provider) await(ctx context.Context, step model.Step, params StepParams, progress func(model.Event)) (model.Outcome, error) {
	job := jobOfWait(step, params)
	if job == "" {
		return model.Outcome{}, fmt.Errorf("%s: no cutover job to wait for", step.Name)
	}
	wait := p.first
	for {
		jobs, err := p.client.DescribeJobs(ctx, []string{job})
		if err == nil {
			st := jobStatus(params, job, jobs[job])
			if st.Done {
				return st.Outcome, st.Err
			}
			if progress != nil {
				progress(model.Event{Addr: step.Addr, Step: step.Name, Message: st.Message})
			}
		} else if ctx.Err() != nil {
			return model.Outcome{}, err
		}
		select {
		case <-ctx.Done():
			return model.Outcome{}, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, p.max)
	}
}

// jobStatus turns a cutover job into the status of one server's wait: done once the job is
// COMPLETED, failed when this server's launch did not reach LAUNCHED (a COMPLETED job can hold a
// FAILED server, which stays CUTTING_OVER).
func jobStatus(params StepParams, jobID string, j *Job) model.WaitStatus {
	id := params.SourceServerID
	ids := map[string]string{"source_server_id": id, "job_id": jobID}
	if j == nil {
		return model.WaitStatus{Message: "cutover job " + jobID + " not listed yet"}
	}
	launch := j.Launch[id]
	if !strings.EqualFold(j.Status, JobCompleted) {
		return model.WaitStatus{Message: fmt.Sprintf("cutover job %s %s (launch %s)", jobID, orUnknown(j.Status), orUnknown(launch))}
	}
	if launch != LaunchLaunched {
		return model.WaitStatus{Done: true, Outcome: model.Outcome{RemoteIDs: ids},
			Err: fmt.Errorf("cutover job %s COMPLETED but the launch of %s is %s; the server stays CUTTING_OVER: look at the job log in MGN, then relaunch or revert it there", jobID, id, orUnknown(launch))}
	}
	out := model.Outcome{RemoteIDs: ids, Status: state.StatusInProgress, Attributes: map[string]string{"launch_status": launch}}
	if params.Final {
		out.Status = state.StatusDone
	}
	return model.WaitStatus{Done: true, Outcome: out}
}

var (
	_ providers.Watcher    = (*Provider)(nil)
	_ providers.IntentIDer = (*Provider)(nil)
)

// IntentIDs journals, with the intent of start_cutover, the batch its StartCutover is sent in: the
// job carries it as its ferry:batch tag, and a resume finds the job by it.
func (p *Provider) IntentIDs(step model.Step) map[string]string {
	if step.Name != StepStartCutover {
		return nil
	}
	params, err := decodeParams(step)
	if err != nil || params.Batch == nil {
		return nil
	}
	return map[string]string{"batch_id": params.Batch.ID}
}

// WatchPace is 30 s backing off to 2 min (in the sandbox: a tenth of the simulated launch).
func (p *Provider) WatchPace() (first, max time.Duration) { return p.first, p.max }

// Status reads the cutover jobs of every due wait in one DescribeJobs per 1 000 jobs (the jobIDs
// filter), and answers for every wait whose job was read.
func (p *Provider) Status(ctx context.Context, waits []model.Wait) (map[model.Addr]model.WaitStatus, error) {
	type pending struct {
		wait   model.Wait
		params StepParams
		job    string
	}
	var all []pending
	var due []string
	out := map[model.Addr]model.WaitStatus{}
	for _, w := range waits {
		params, err := decodeParams(w.Step)
		job := jobOfWait(w.Step, params)
		if err == nil && job == "" {
			err = fmt.Errorf("%s: no cutover job to wait for", w.Step.Name)
		}
		if err != nil {
			if w.Due {
				out[w.Addr] = model.WaitStatus{Done: true, Err: err}
			}
			continue
		}
		all = append(all, pending{w, params, job})
		if w.Due {
			due = append(due, job)
		}
	}
	if len(due) == 0 {
		return out, nil
	}
	jobs, err := p.client.DescribeJobs(ctx, due)
	if err != nil {
		return nil, fmt.Errorf("reading %d cutover jobs: %w", len(unique(due)), err)
	}
	for _, pw := range all {
		if j, ok := jobs[pw.job]; ok {
			out[pw.wait.Addr] = jobStatus(pw.params, pw.job, j)
		}
	}
	return out, nil
}
