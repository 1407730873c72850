package planner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/state"
)

type memState struct {
	res map[string]*state.Resource
}

func (m memState) Lineage() string { return "lin-1" }
func (m memState) Serial() uint64  { return 7 }
func (m memState) Get(a string) (*state.Resource, bool) {
	r, ok := m.res[a]
	return r, ok
}
func (m memState) Addrs() []string {
	var out []string
	for a := range m.res {
		out = append(out, a)
	}
	sortStrings(out)
	return out
}

func sortStrings(s []string) { sort.Strings(s) }

// planFake plans "migrate" for instances without state and "unchanged" for the others; it counts Reads.
// Instances whose address contains "lost" cannot be read (one Unreadable error for all of them).
type planFake struct{ reads, readInsts int }

func (f *planFake) Read(_ context.Context, reqs []providers.ReadRequest) (map[model.Addr]providers.Live, hcl.Diagnostics) {
	f.reads++
	f.readInsts += len(reqs)
	out := map[model.Addr]providers.Live{}
	var lost []model.Addr
	for _, r := range reqs {
		out[r.Instance.Addr] = "live"
		if strings.Contains(string(r.Instance.Addr), "lost") {
			lost = append(lost, r.Instance.Addr)
		}
	}
	if len(lost) > 0 {
		return out, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read customer",
			Extra: providers.Unreadable{Addrs: lost}}}
	}
	return out, nil
}
func (f *planFake) Plan(d model.Instance, prior *state.Resource, live providers.Live) (model.Change, hcl.Diagnostics) {
	if prior != nil {
		return model.Change{Action: model.ActionNoop, State: &state.Resource{Status: "migrated"}}, nil
	}
	if strings.Contains(string(d.Addr), "mismatch") { // an import that does not match the spec
		return model.Change{Action: model.ActionBlocked, Reasons: []string{"the spec says quantity = 9"}},
			hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Imported subscription does not match quantity"}}
	}
	if strings.Contains(string(d.Addr), "broken") { // an error without a change
		return model.Change{}, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot plan"}}
	}
	if strings.Contains(string(d.Addr), "trial") {
		return model.Change{Action: model.ActionBlocked, Reasons: []string{"SubscriptionIsTrial: trials cannot be migrated"}}, nil
	}
	return model.Change{Action: model.ActionCreate, Summary: "migrate it",
		Steps: []model.Step{{Name: "migrate", Mutating: true, Attempt: 1}}}, nil
}
func (f *planFake) Do(context.Context, model.Step, string, func(model.Event)) (model.Outcome, error) {
	return model.Outcome{}, errors.New("not used")
}
func (f *planFake) Reconcile(context.Context, model.Step, string) (model.Outcome, bool, error) {
	return model.Outcome{}, false, nil
}

func inst(addr string, deps ...model.Addr) model.Instance {
	return model.Instance{Addr: model.Addr(addr), Kind: "subscription", Provider: "fake", DependsOn: deps,
		DeclRange: hcl.Range{Filename: "main.ferry.hcl", Start: hcl.Pos{Line: 3, Column: 1}}}
}

func TestMakeActionsAndSummary(t *testing.T) {
	f := &planFake{}
	st := memState{res: map[string]*state.Resource{
		`subscription.a["done"]`: {Addr: `subscription.a["done"]`, Kind: "subscription", Provider: "fake"},
		`subscription.gone`:      {Addr: `subscription.gone`, Kind: "subscription", Provider: "fake"},
	}}
	in := Input{
		Instances: []model.Instance{inst(`subscription.a["done"]`), inst(`subscription.a["new"]`), inst(`subscription.a["trial"]`)},
		SpecHash:  "h", Providers: map[string]providers.Provider{"fake": f},
		Now: func() time.Time { return time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC) },
	}
	p, diags := Make(context.Background(), in, st)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if f.reads != 1 || f.readInsts != 3 {
		t.Errorf("reads = %d for %d instances, want one batched read of 3", f.reads, f.readInsts)
	}
	got := map[model.Addr]model.Action{}
	for _, c := range p.Changes {
		got[c.Addr] = c.Action
	}
	want := map[model.Addr]model.Action{
		`subscription.a["done"]`: model.ActionNoop, `subscription.a["new"]`: model.ActionCreate,
		`subscription.a["trial"]`: model.ActionBlocked, `subscription.gone`: model.ActionForget,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("actions (-want +got):\n%s", d)
	}
	if s := p.Summary(); s != (Summary{Create: 1, Unchanged: 1, Forget: 1, Blocked: 1}) {
		t.Errorf("summary = %+v", s)
	}
	if !p.HasChanges() || len(p.Actionable()) != 2 {
		t.Errorf("actionable = %v", p.Actionable())
	}
	if p.Lineage != "lin-1" || p.Serial != 7 || p.SpecHash != "h" {
		t.Errorf("plan identity = %s %d %s", p.Lineage, p.Serial, p.SpecHash)
	}
}

func TestUnreadableInstancesAreErrorsNotChanges(t *testing.T) {
	in := Input{
		Instances: []model.Instance{inst(`subscription.lost`), inst(`subscription.fine`),
			inst(`subscription.after`, "subscription.lost")},
		Providers: map[string]providers.Provider{"fake": &planFake{}},
	}
	p, diags := Make(context.Background(), in, memState{})
	if !diags.HasErrors() {
		t.Fatal("an instance that could not be read must be an error")
	}
	got := map[model.Addr]model.Action{}
	for _, c := range p.Changes {
		got[c.Addr] = c.Action
	}
	want := map[model.Addr]model.Action{`subscription.fine`: model.ActionCreate, `subscription.after`: model.ActionBlocked}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("actions (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]model.Addr{"subscription.lost"}, p.Unreadable); d != "" {
		t.Errorf("unreadable (-want +got):\n%s", d)
	}
	if s := p.Summary(); s != (Summary{Create: 1, Blocked: 1, Unreadable: 1}) {
		t.Errorf("summary = %+v", s)
	}
}

// An instance whose Plan returned an error that is not about reading (an import that does not match
// the spec) stays in the plan, blocked, and so do its dependents: the plan used to drop it and print
// "No changes. Every instance matches the spec" above the error.
func TestInstancesWithPlanErrorsStayInThePlan(t *testing.T) {
	in := Input{
		Instances: []model.Instance{inst(`subscription.mismatch`), inst(`subscription.broken`),
			inst(`subscription.fine`), inst(`subscription.after`, "subscription.mismatch"),
			inst(`subscription.later`, "subscription.broken")},
		Providers: map[string]providers.Provider{"fake": &planFake{}},
	}
	p, diags := Make(context.Background(), in, memState{})
	if !diags.HasErrors() {
		t.Fatal("the provider's errors must be returned")
	}
	got := map[model.Addr]model.Action{}
	for _, c := range p.Changes {
		got[c.Addr] = c.Action
	}
	want := map[model.Addr]model.Action{`subscription.mismatch`: model.ActionBlocked, `subscription.fine`: model.ActionCreate,
		`subscription.after`: model.ActionBlocked, `subscription.later`: model.ActionBlocked}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("actions (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]model.Addr{"subscription.broken"}, p.Unreadable); d != "" {
		t.Errorf("unreadable (-want +got):\n%s", d)
	}
	if s := p.Summary(); s != (Summary{Create: 1, Blocked: 3, Unreadable: 1}) {
		t.Errorf("summary = %+v", s)
	}
}

func TestMissingProviderBlocksOnlyItsInstances(t *testing.T) {
	other := inst(`subscription.a["new"]`)
	cut := inst("cutover.web01")
	cut.Provider = "mgn"
	in := Input{Instances: []model.Instance{cut, other}, Providers: map[string]providers.Provider{"fake": &planFake{}}}
	p, diags := Make(context.Background(), in, memState{})
	if diags.HasErrors() {
		t.Fatalf("diags = %v", diags)
	}
	got := map[model.Addr]model.Action{}
	for _, c := range p.Changes {
		got[c.Addr] = c.Action
	}
	if got["cutover.web01"] != model.ActionBlocked || got[`subscription.a["new"]`] != model.ActionCreate {
		t.Errorf("actions = %v", got)
	}
}

func TestTargetsIncludeDependencies(t *testing.T) {
	insts := []model.Instance{inst("cutover.db"), inst("cutover.web", "cutover.db"), inst("cutover.other")}
	got := selectTargets(insts, []model.Addr{"cutover.web"})
	if len(got) != 2 || got[0].Addr != "cutover.db" || got[1].Addr != "cutover.web" {
		t.Errorf("selected = %v", got)
	}
	miss := TargetsUnmatched([]model.Addr{"cutover.web", "cutover.nope"}, insts, memState{})
	if len(miss) != 1 || miss[0] != "cutover.nope" {
		t.Errorf("unmatched = %v", miss)
	}
}

func TestPlanFileRoundTripAndStaleness(t *testing.T) {
	p := &Plan{FormatVersion: FormatVersion, Lineage: "L", Serial: 3, SpecHash: "H",
		Changes: []model.Change{{Addr: "a", Action: model.ActionCreate, Steps: []model.Step{{Name: "migrate", Params: []byte(`{"x":1}`)}}}}}
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := WriteFile(path, p); err != nil {
		t.Fatal(err)
	}
	q, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(p, q); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
	newPlan := *q
	newPlan.Lineage, newPlan.Serial = "", 0
	if err := newPlan.CheckFresh("any", 0, "H"); err != nil {
		t.Errorf("plan of a new state refused by a still-new state: %v", err)
	}
	if err := newPlan.CheckFresh("any", 1, "H"); !errors.Is(err, ErrStalePlan) {
		t.Errorf("plan of a new state accepted after the state was written: %v", err)
	}
	for name, c := range map[string]struct {
		lin    string
		serial uint64
		hash   string
		stale  bool
	}{
		"fresh": {"L", 3, "H", false}, "state moved": {"L", 4, "H", true},
		"other state": {"M", 3, "H", true}, "spec changed": {"L", 3, "X", true},
	} {
		err := q.CheckFresh(c.lin, c.serial, c.hash)
		if (err != nil) != c.stale || (err != nil && !errors.Is(err, ErrStalePlan)) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestRefreshOnlyRecordsOnlyDriftOfSettledInstances(t *testing.T) {
	prior := &state.Resource{Status: "migrated", RemoteIDs: map[string]string{"new_subscription_id": "n1"},
		Attributes: map[string]string{"quantity": "10"}}
	live := &state.Resource{Status: "migrated", RemoteIDs: map[string]string{"new_subscription_id": "n1"},
		Attributes: map[string]string{"quantity": "12"}}
	same := &state.Resource{Status: "migrated", RemoteIDs: map[string]string{"new_subscription_id": "n1"},
		Attributes: map[string]string{"quantity": "10"}}
	cases := []struct {
		name string
		in   model.Change
		want model.Action
	}{
		{"drift", model.Change{Action: model.ActionNoop, State: live}, model.ActionUpdate},
		{"no drift", model.Change{Action: model.ActionNoop, State: same}, model.ActionNoop},
		{"work pending is not recorded as done", model.Change{Action: model.ActionCreate, State: live}, model.ActionNoop},
		{"resume pending", model.Change{Action: model.ActionResume, State: live}, model.ActionNoop},
		{"nothing live", model.Change{Action: model.ActionNoop}, model.ActionNoop},
	}
	for _, c := range cases {
		got := refreshOnly(c.in, prior)
		if got.Action != c.want {
			t.Errorf("%s: action %s, want %s", c.name, got.Action, c.want)
		}
		if got.Action == model.ActionUpdate && (len(got.Steps) != 0 || len(got.Details) != 1 || got.Details[0].Old != "10") {
			t.Errorf("%s: update = %+v", c.name, got)
		}
	}
}

func TestForgetWarnsAboutAnUnreconciledIntent(t *testing.T) {
	st := memState{res: map[string]*state.Resource{
		"subscription.gone": {Addr: "subscription.gone", Kind: "subscription", Provider: "fake",
			Steps: map[string]*state.StepRecord{"migrate": {Key: "k-123", Attempt: 1, Status: state.StepIntent}}},
	}}
	p, diags := Make(context.Background(), Input{Providers: map[string]providers.Provider{}}, st)
	if diags.HasErrors() || len(p.Changes) != 1 {
		t.Fatal(diags, p.Changes)
	}
	c := p.Changes[0]
	if c.Action != model.ActionForget || len(c.Reasons) != 1 || !strings.Contains(c.Reasons[0], "k-123") {
		t.Errorf("change = %+v", c)
	}
}

func TestDependentsOfBlockedChangesAreBlocked(t *testing.T) {
	cs := []model.Change{
		{Addr: "skip_list.nce", Action: model.ActionBlocked},
		{Addr: "subscription.a", Action: model.ActionCreate, DependsOn: []model.Addr{"skip_list.nce"}, Steps: []model.Step{{Name: "migrate"}}},
		{Addr: "subscription.b", Action: model.ActionCreate, DependsOn: []model.Addr{"subscription.a"}},
		{Addr: "subscription.c", Action: model.ActionCreate, DependsOn: []model.Addr{"subscription.x"}},
		{Addr: "subscription.d", Action: model.ActionNoop, DependsOn: []model.Addr{"skip_list.nce"}},
	}
	blockDependents(cs, nil)
	want := []model.Action{model.ActionBlocked, model.ActionBlocked, model.ActionBlocked, model.ActionCreate, model.ActionNoop}
	for i, c := range cs {
		if c.Action != want[i] {
			t.Errorf("%s: %s, want %s (%v)", c.Addr, c.Action, want[i], c.Reasons)
		}
	}
	if len(cs[1].Steps) != 0 || !strings.Contains(cs[1].Reasons[0], "skip_list.nce") {
		t.Errorf("blocked dependent = %+v", cs[1])
	}
}

// A large plan calls Plan on every CPU at once: the changes, unreadable instances and diagnostics
// are those of the same plan made one instance at a time, in the same order.
func TestLargePlanIsPlannedInParallelInOrder(t *testing.T) {
	var insts []model.Instance
	prior := memState{res: map[string]*state.Resource{}}
	for i := range parallelPlanMin + 1000 {
		addr := fmt.Sprintf(`subscription.s["%05d"]`, i)
		switch i % 7 {
		case 3:
			addr = fmt.Sprintf(`subscription.trial["%05d"]`, i)
		case 5:
			addr = fmt.Sprintf(`subscription.lost["%05d"]`, i)
		case 6:
			prior.res[addr] = &state.Resource{Status: "migrated"}
		}
		insts = append(insts, inst(addr))
	}
	make1 := func(cpus int) (*Plan, hcl.Diagnostics) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(cpus))
		in := Input{Instances: insts, Providers: map[string]providers.Provider{"fake": &planFake{}}}
		return Make(context.Background(), in, prior)
	}
	serial, serialDiags := make1(1)
	parallel, parallelDiags := make1(4)
	parallel.CreatedAt = serial.CreatedAt
	if d := cmp.Diff(serial, parallel); d != "" {
		t.Errorf("plan made on 4 CPUs differs from the plan made on one (-one +four):\n%s", d)
	}
	if d := cmp.Diff(serialDiags.Error(), parallelDiags.Error()); d != "" {
		t.Errorf("diagnostics differ (-one +four):\n%s", d)
	}
	if len(parallel.Changes) < parallelPlanMin || len(parallel.Unreadable) == 0 {
		t.Errorf("%d changes, %d unreadable: the test planned too little", len(parallel.Changes), len(parallel.Unreadable))
	}
}

// TestPlanFileRefusesEditsAndNonFiles: a plan file changed after it was written (a step's
// parameters edited, a change duplicated, the file cut short or pretty-printed), one from another
// format version, and a FIFO or device given as the plan file are refused with a clear error,
// without blocking.
func TestPlanFileRefusesEditsAndNonFiles(t *testing.T) {
	p := &Plan{FormatVersion: FormatVersion, Lineage: "L", Serial: 3, SpecHash: "H",
		Changes: []model.Change{{Addr: "a", Action: model.ActionCreate, Steps: []model.Step{{Name: "migrate", Params: []byte(`{"quantity":1}`)}}}}}
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.json")
	if err := WriteFile(path, p); err != nil {
		t.Fatal(err)
	}
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(orig)
	i := strings.Index(s, `"changes":[`) + len(`"changes":[`)
	arr := strings.TrimSuffix(s[i:], "]}\n")
	dup := s[:i] + arr + "," + arr + "]}\n"
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, orig, "", "  "); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct{ text, want string }{
		"params edited":   {strings.Replace(s, `"quantity":1`, `"quantity":900`, 1), "checksum does not match"},
		"change doubled":  {dup, "checksum does not match"},
		"pretty-printed":  {pretty.String(), "checksum does not match"},
		"no checksum":     {`{` + s[strings.Index(s, `"format_version"`):], "checksum does not match"},
		"cut short":       {s[:len(s)/2], "not a ferry plan file"},
		"another version": {strings.Replace(s, fmt.Sprintf(`"format_version":%d`, FormatVersion), `"format_version":99`, 1), "format version 99 is not supported"},
	} {
		if c.text == s {
			t.Fatalf("%s: the edit changed nothing", name)
		}
		f := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		if err := os.WriteFile(f, []byte(c.text), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadFile(f); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v; want %q", name, err, c.want)
		}
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{fifo, "/dev/zero", dir} {
		if _, err := ReadFile(f); err == nil || !strings.Contains(err.Error(), "only a regular file can be read") {
			t.Errorf("%s: err = %v", f, err)
		}
	}
}
