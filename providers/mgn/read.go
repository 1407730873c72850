package mgn

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/state"
)

// Live is what Read found for one cutover.
type Live struct {
	// Server is the source server (nil: MGN does not know it).
	Server *Server
	// TestJob is the server's last test job (nil: none, or not found).
	TestJob *Job
	// CutoverJob is the last cutover job of a server that is CUTTING_OVER (nil: none, not read, or
	// not found): read with the test jobs, so that a launch that already failed is seen at plan time.
	CutoverJob *Job
	// Batch is the StartCutover call the server joins when its plan starts a cutover.
	Batch *Batch
}

// Batch is one StartCutover call for the servers of one wave: the servers whose cutover starts in
// this apply with the same dependencies (so they are ready at the same moment), up to 200.
type Batch struct {
	// ID names the batch; the job is tagged with it (ferry:batch), so that a resume finds the job.
	ID string `json:"id"`
	// Servers are the member servers' IDs.
	Servers []string `json:"servers"`
}

// Read reads every server of the request in one DescribeSourceServers per 200 servers, and the
// last test job of each (and the last cutover job of each server CUTTING_OVER) in one DescribeJobs
// per 1 000 jobs. It then groups the servers whose plan
// starts a cutover into batches (see Batch).
func (p *Provider) Read(ctx context.Context, reqs []providers.ReadRequest) (map[model.Addr]providers.Live, hcl.Diagnostics) {
	var ids []string
	var addrs []model.Addr
	var subject *hcl.Range
	for _, r := range reqs {
		if r.Instance.Cutover != nil {
			ids = append(ids, r.Instance.Cutover.SourceServerID)
			addrs = append(addrs, r.Instance.Addr)
			if subject == nil {
				rng := r.Instance.DeclRange
				subject = &rng
			}
		}
	}
	// The diagnostic points at the first cutover block it leaves unread (every diagnostic names a
	// file and line).
	unreadable := func(err error) hcl.Diagnostics {
		if len(addrs) == 0 {
			return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "AWS MGN could not be read", Detail: err.Error()}}
		}
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "AWS MGN could not be read",
			Detail:  fmt.Sprintf("%v; plan again once MGN answers. Its %d cutover(s), %s among them, are not planned.", err, len(addrs), addrs[0]),
			Subject: subject, Extra: providers.Unreadable{Addrs: addrs}}}
	}
	servers, err := p.client.DescribeServers(ctx, ids)
	if err != nil {
		return nil, unreadable(err)
	}
	var jobIDs []string
	for _, sv := range servers {
		if sv.LastTestJobID != "" {
			jobIDs = append(jobIDs, sv.LastTestJobID)
		}
		if sv.State == StateCuttingOver && sv.LastCutoverJobID != "" {
			jobIDs = append(jobIDs, sv.LastCutoverJobID)
		}
	}
	jobs := map[string]*Job{}
	if len(jobIDs) > 0 {
		if jobs, err = p.client.DescribeJobs(ctx, jobIDs); err != nil {
			return nil, unreadable(err)
		}
	}
	out := make(map[model.Addr]providers.Live, len(reqs))
	groups := map[string][]model.Addr{}
	for _, r := range reqs {
		c := r.Instance.Cutover
		if c == nil {
			continue
		}
		l := &Live{Server: servers[c.SourceServerID]}
		if l.Server != nil {
			l.TestJob = jobs[l.Server.LastTestJobID]
			if l.Server.State == StateCuttingOver {
				l.CutoverJob = jobs[l.Server.LastCutoverJobID]
			}
		}
		out[r.Instance.Addr] = l
		d := decide(r.Instance, r.Prior, l)
		if d.start && !d.markReady {
			k := depsKey(r.Instance.DependsOn)
			groups[k] = append(groups[k], r.Instance.Addr)
		} else if d.start {
			// A server still to be marked ready goes alone: the others of its wave are ready before it is.
			groups["\x00"+string(r.Instance.Addr)] = append(groups["\x00"+string(r.Instance.Addr)], r.Instance.Addr)
		}
	}
	byAddr := map[model.Addr]providers.ReadRequest{}
	for _, r := range reqs {
		byAddr[r.Instance.Addr] = r
	}
	for _, members := range groups {
		sort.Slice(members, func(i, j int) bool { return members[i] < members[j] })
		for len(members) > 0 {
			n := min(len(members), MaxServersPerJob)
			b := &Batch{}
			h := sha256.New()
			for _, a := range members[:n] {
				id := byAddr[a].Instance.Cutover.SourceServerID
				b.Servers = append(b.Servers, id)
				fmt.Fprintf(h, "%s=%s\x00", a, id)
			}
			b.ID = hex.EncodeToString(h.Sum(nil))[:20]
			for _, a := range members[:n] {
				out[a].(*Live).Batch = b
			}
			members = members[n:]
		}
	}
	return out, nil
}

func depsKey(deps []model.Addr) string {
	s := make([]string, len(deps))
	for i, d := range deps {
		s[i] = string(d)
	}
	sort.Strings(s)
	return strings.Join(s, "\x00")
}

// testLaunched reports whether the server's last test launch reached LAUNCHED (TERMINATED
// afterwards counts: test instances are usually terminated once the test is done).
func testLaunched(sv *Server, job *Job) bool {
	if sv == nil || job == nil || sv.LastTestJobID == "" {
		return false
	}
	st := job.Launch[sv.ID]
	return st == LaunchLaunched || st == LaunchTerminated
}

func priorStep(prior *state.Resource, name string) *state.StepRecord {
	if prior == nil || prior.Steps == nil {
		return nil
	}
	return prior.Steps[name]
}

// dangling reports whether an earlier apply journaled the step's intent and never its outcome.
func dangling(prior *state.Resource, name string) bool {
	r := priorStep(prior, name)
	return r != nil && r.Status == state.StepIntent
}
