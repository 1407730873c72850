package views

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/ferry-dev/ferry/executor"
	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/planner"
	"github.com/ferry-dev/ferry/state"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./views -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test ./views -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

const g1, g2 = "11111111-0000-0000-0000-000000000001", "11111111-0000-0000-0000-000000000002"

// fixturePlan has one change of every action and kind, with attributes, reasons, steps with
// provider payloads and state entries (which no output may show).
func fixturePlan() *planner.Plan {
	sub := func(key string) model.Addr { return model.MakeAddr("subscription", "m365", key, true) }
	payload := json.RawMessage(`{"secret_payload":"PAYLOAD-MUST-NOT-SHOW"}`)
	entry := &state.Resource{Status: "STATE-MUST-NOT-SHOW", RemoteIDs: map[string]string{"internal": "STATE-ID-MUST-NOT-SHOW"}}
	return &planner.Plan{FormatVersion: planner.FormatVersion, Lineage: "lin", Serial: 3, SpecHash: "hash",
		CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Changes: []model.Change{
			{Addr: "cutover.web01", Kind: model.KindCutover, Provider: "mgn", Action: model.ActionCreate,
				Summary: "cut over s-1234567890abcdef0 (test done, lag 2m)",
				Details: []model.Detail{{Name: "finalize", New: "true"}},
				Steps:   []model.Step{{Name: "start_cutover", Mutating: true, Params: payload}}},
			{Addr: "skip_list.nce", Kind: model.KindSkipList, Provider: "connect", Action: model.ActionUpdate,
				Summary: "PRD-183-233-565 on MP-65669: 1 entry to add",
				Details: []model.Detail{{Name: "entries", Old: "AS-1564-9639-4055", New: "AS-1564-9639-4055, PR-3590-4186-1549-001"}},
				Steps:   []model.Step{{Name: "set_entries", Mutating: true, Params: payload}}, State: entry},
			{Addr: sub(g1), Kind: model.KindSubscription, Provider: "partnercenter", Action: model.ActionCreate,
				Summary: "migrate legacy " + g1 + " (Office 365 E3, 25 seats) → P1Y monthly, co-term",
				Details: []model.Detail{{Name: "quantity", Old: "25", New: "30"}, {Name: "term_duration", New: "P1Y"}, {Name: "billing_cycle", Old: "monthly", New: "monthly"}},
				Steps:   []model.Step{{Name: "migrate", Mutating: true, Params: payload}, {Name: "await_migration"}}},
			{Addr: sub(g2), Kind: model.KindSubscription, Provider: "partnercenter", Action: model.ActionBlocked,
				Summary: "legacy " + g2 + " (Office 365 E1 Trial)",
				Reasons: []string{"Microsoft refuses the migration: trial subscriptions cannot be migrated | see <docs>"}},
			{Addr: "subscription.resumed", Kind: model.KindSubscription, Provider: "partnercenter", Action: model.ActionResume,
				Summary: "migration m-1 is in progress; wait for it", Steps: []model.Step{{Name: "await_migration", Params: payload}}},
			{Addr: "subscription.adopted", Kind: model.KindSubscription, Provider: "partnercenter", Action: model.ActionImport,
				Summary: "adopt New Commerce subscription n-9", State: entry},
			{Addr: "subscription.gone", Kind: model.KindSubscription, Provider: "partnercenter", Action: model.ActionForget,
				Summary: "drop from state; nothing remote is cancelled", Reasons: []string{"the last step k-1 never finished"}},
			{Addr: "subscription.done", Kind: model.KindSubscription, Provider: "partnercenter", Action: model.ActionNoop, State: entry},
			{Addr: "subscription.noted", Kind: model.KindSubscription, Provider: "partnercenter", Action: model.ActionNoop,
				Reasons: []string{"the quantity changed outside ferry (25 → 27)"}},
		},
		Unreadable: []model.Addr{"subscription.lost"}}
}

func fixtureSummary() *ApplySummary {
	r := executor.Result{Done: 3, Interrupted: 1, NotStarted: 2,
		Failed:  []executor.ChangeError{{Addr: "cutover.web01", Step: "start_cutover", Err: errors.New("replication lag 9m exceeds max_lag 5m")}},
		Skipped: []executor.ChangeError{{Addr: "subscription.after", Err: errors.New("it depends on cutover.web01, which failed")}}}
	return NewApplySummary(r, []model.Change{fixturePlan().Changes[3]}, []model.Addr{"subscription.lost"})
}

// blockedSummary is an apply that did all it could, with only blocked changes left.
func blockedSummary() *ApplySummary {
	return NewApplySummary(executor.Result{Done: 1}, []model.Change{fixturePlan().Changes[3]}, nil)
}

func TestPlanGolden(t *testing.T) {
	r := NewPlanReport(fixturePlan())
	var text, md, js bytes.Buffer
	if err := WritePlan(&text, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "plan.txt.golden", text.String())
	var colored bytes.Buffer
	if err := WritePlan(&colored, r, TextOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	golden(t, "plan_color.txt.golden", colored.String())
	if err := WritePlanMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "plan.md.golden", md.String())
	if err := WritePlanJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "plan.json.golden", js.String())
	for _, out := range []string{text.String(), md.String(), js.String()} {
		for _, leak := range []string{"MUST-NOT-SHOW", "params", "lineage", "spec_hash", "steps"} {
			if strings.Contains(out, leak) {
				t.Errorf("output shows %q:\n%s", leak, out)
			}
		}
	}
}

func TestPlanNoChangesGolden(t *testing.T) {
	p := &planner.Plan{Changes: []model.Change{
		{Addr: "subscription.a", Kind: model.KindSubscription, Action: model.ActionNoop},
		{Addr: "subscription.b", Kind: model.KindSubscription, Action: model.ActionBlocked, Reasons: []string{"trial"}},
	}}
	var b bytes.Buffer
	r := NewPlanReport(p)
	_ = WritePlan(&b, r, TextOptions{})
	b.WriteString("----\n")
	_ = WritePlanMarkdown(&b, r)
	b.WriteString("----\n")
	r = NewPlanReport(&planner.Plan{Changes: p.Changes, Unreadable: []model.Addr{"subscription.lost"}})
	_ = WritePlan(&b, r, TextOptions{})
	b.WriteString("----\n")
	_ = WritePlanMarkdown(&b, r)
	b.WriteString("----\n")
	r = NewPlanReport(&planner.Plan{RefreshOnly: true, Targets: []model.Addr{"subscription.a"}, Changes: p.Changes[:1]})
	_ = WritePlan(&b, r, TextOptions{})
	b.WriteString("----\n")
	_ = WritePlanMarkdown(&b, r)
	golden(t, "plan_no_changes.golden", b.String())
}

func TestApplySummaryGolden(t *testing.T) {
	var text, js bytes.Buffer
	for _, s := range []*ApplySummary{fixtureSummary(), blockedSummary(), NewApplySummary(executor.Result{Done: 2}, nil, nil)} {
		if err := NewApplyView(&text, io.Discard, ApplyViewOptions{}).Summary(s); err != nil {
			t.Fatal(err)
		}
	}
	golden(t, "apply_summary.txt.golden", text.String())
	for _, s := range []*ApplySummary{fixtureSummary(), blockedSummary()} {
		if err := NewApplyView(&js, io.Discard, ApplyViewOptions{JSON: true}).Summary(s); err != nil {
			t.Fatal(err)
		}
	}
	golden(t, "apply_summary.json.golden", js.String())
}

func fixtureEvents() []executor.Event {
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	a := model.Addr(`subscription.m365["` + g1 + `"]`)
	return []executor.Event{
		{Time: at, Type: executor.EventStart, Addr: a, Message: "migrate legacy " + g1},
		{Time: at, Type: executor.EventStep, Addr: a, Step: "migrate", Message: "creating the migration"},
		{Time: at, Type: executor.EventProgress, Addr: a, Step: "migrate", IDs: map[string]string{"migration_id": "m-1"}},
		{Time: at, Type: executor.EventProgress, Addr: a, Step: "await_migration", Message: "migrating (Processing)"},
		{Time: at, Type: executor.EventProgress, Addr: a, Step: "await_migration", Message: "migrating (Processing)"},
		{Time: at, Type: executor.EventReconciled, Addr: "cutover.web01", Step: "start_cutover", Message: "found the job sent before the crash", IDs: map[string]string{"job_id": "mgnjob-1"}},
		{Time: at, Type: executor.EventDone, Addr: a, Message: "migrated", Elapsed: 3 * time.Minute, IDs: map[string]string{"new_subscription_id": "n-1"}},
		{Time: at, Type: executor.EventFailed, Addr: "cutover.web01", Step: "await_job", Message: "job failed"},
		{Time: at, Type: executor.EventSkipped, Addr: "subscription.after", Message: "it depends on cutover.web01, which failed"},
		{Time: at, Type: executor.EventStopped, Addr: "subscription.resumed", Message: "interrupted; a re-apply resumes it"},
		{Time: at, Type: executor.EventWaiting, Addr: "subscription.slow", Step: "await_migration", Message: "still in progress after 6h0m0s"},
		{Time: at, Type: executor.EventWarning, Addr: "subscription.slow", Step: "migrate", Message: "could not journal remote IDs: disk full"},
	}
}

// TestApplyEventsGolden: as text, only the events that end a change (and reconciled steps and
// warnings) are lines, on the progress writer; as JSON every event but a poll without remote IDs
// is a line, on the report writer.
func TestApplyEventsGolden(t *testing.T) {
	var text, js, stdout, stderr bytes.Buffer
	v := NewApplyView(&stdout, &text, ApplyViewOptions{})
	v.Start(3, 10)
	for _, e := range fixtureEvents() {
		v.Event(e)
	}
	v = NewApplyView(&js, &stderr, ApplyViewOptions{JSON: true})
	v.Start(3, 10)
	for _, e := range fixtureEvents() {
		v.Event(e)
	}
	if stdout.Len() > 0 || stderr.Len() > 0 {
		t.Errorf("text progress on stdout %q, or JSON on stderr %q", stdout.String(), stderr.String())
	}
	golden(t, "apply_events.txt.golden", text.String())
	golden(t, "apply_events.json.golden", js.String())
}

// fixtureSnapshots are three moments of an apply of 200 changes: early (no ETA yet), mid-way with
// waits outstanding, and near the end; times come from a fake clock.
func fixtureSnapshots() []executor.Snapshot {
	start := time.Date(2025, 1, 2, 3, 0, 0, 0, time.UTC)
	a := func(i int) model.Addr {
		return model.Addr(fmt.Sprintf(`subscription.m365["%08d-0000-0000-0000-000000000000"]`, i))
	}
	limit := executor.Limit{Requests: 100, Per: 5 * time.Minute}
	return []executor.Snapshot{
		{Time: start.Add(5 * time.Second), Elapsed: 5 * time.Second, Total: 200, Queued: 190, Sending: 10,
			Rates: []executor.SendRate{{Provider: "partnercenter", Limit: limit}}},
		{Time: start.Add(150 * time.Second), Elapsed: 150 * time.Second, Total: 200, Queued: 20, Sending: 10, Waiting: 50,
			Done: 117, Failed: 3, Rates: []executor.SendRate{{Provider: "partnercenter", LastMinute: 20, Limit: limit}},
			ETA: 250 * time.Second, ETAKnown: true, StatusReads: 41,
			OldestWaits: []executor.WaitAge{{Addr: a(7), Step: "await_migration", For: 130 * time.Second},
				{Addr: a(8), Step: "await_migration", For: 128 * time.Second}, {Addr: a(11), Step: "await_migration", For: 95 * time.Second}}},
		{Time: start.Add(2 * time.Hour), Elapsed: 2*time.Hour + 90*time.Second, Total: 200, Waiting: 1, Done: 195, Failed: 3, StillWaiting: 1,
			Rates: []executor.SendRate{{Provider: "partnercenter", Limit: limit}, {Provider: "toy", LastMinute: 2}},
			ETA:   1500 * time.Millisecond, ETAKnown: true, StatusReads: 977,
			OldestWaits: []executor.WaitAge{{Addr: a(199), Step: "await_migration", For: 6*time.Hour + 5*time.Minute}}},
	}
}

// TestApplyLiveGolden: on a terminal the status block is redrawn in place (cursor up over the block
// drawn before, clear to the end of the screen), the lines of ended changes printed above it; the
// block's lines fit the width; Finish removes the block before the summary. Without a terminal each
// snapshot is one summary line; with --json an apply_progress line on the report writer.
func TestApplyLiveGolden(t *testing.T) {
	var live, stdout bytes.Buffer
	v := NewApplyView(&stdout, &live, ApplyViewOptions{Live: true, Width: 100, Blocked: 2})
	v.Start(200, 10)
	snaps := fixtureSnapshots()
	for i, s := range snaps {
		if i > 0 {
			v.Event(executor.Event{Type: executor.EventDone, Addr: model.Addr(fmt.Sprintf("subscription.s%d", i)), Message: "migrated", Elapsed: 3 * time.Minute})
			v.Event(executor.Event{Type: executor.EventProgress, Addr: "subscription.x", Message: "migrating (Processing)"})
		}
		v.Snapshot(s)
	}
	v.Finish()
	if stdout.Len() > 0 {
		t.Errorf("progress on stdout: %q", stdout.String())
	}
	for _, l := range strings.Split(live.String(), "\n") {
		if i := strings.LastIndex(l, "\x1b[J"); i >= 0 {
			l = l[i+3:]
		}
		if n := visibleLen(l); n >= 100 {
			t.Errorf("a line of %d columns on a terminal of 100: %q", n, l)
		}
	}
	golden(t, "apply_live.txt.golden", strings.ReplaceAll(live.String(), "\x1b", "<ESC>"))

	var lines, js, stderr bytes.Buffer
	ci := NewApplyView(&stdout, &lines, ApplyViewOptions{Blocked: 2})
	jv := NewApplyView(&js, &stderr, ApplyViewOptions{JSON: true, Blocked: 2})
	for _, s := range snaps {
		ci.Snapshot(s)
		jv.Snapshot(s)
	}
	if stdout.Len() > 0 || stderr.Len() > 0 {
		t.Errorf("CI progress on stdout %q, or JSON on stderr %q", stdout.String(), stderr.String())
	}
	golden(t, "apply_progress.txt.golden", lines.String())
	golden(t, "apply_progress.json.golden", js.String())
}

type memState map[string]*state.Resource

func (m memState) Lineage() string { return "lin-1" }
func (m memState) Serial() uint64  { return 4 }
func (m memState) Addrs() []string { return []string{"subscription.a", "subscription.b"} }
func (m memState) Get(a string) (*state.Resource, bool) {
	r, ok := m[a]
	return r, ok
}

func fixtureState() memState {
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	return memState{
		"subscription.a": {Addr: "subscription.a", Kind: "subscription", Provider: "partnercenter", Status: "migrated",
			RemoteIDs: map[string]string{"new_subscription_id": "n-1", "migration_id": "m-1"},
			Steps:     map[string]*state.StepRecord{"migrate": {Key: "k-1", Attempt: 1, Status: state.StepDone, StartedAt: at, FinishedAt: at}}},
		"subscription.b": {Addr: "subscription.b", Kind: "subscription", Provider: "partnercenter", Status: "migrating",
			Steps: map[string]*state.StepRecord{"migrate": {Key: "k-2", Attempt: 1, Status: state.StepIntent, StartedAt: at}}},
	}
}

func TestStateGolden(t *testing.T) {
	var b bytes.Buffer
	_ = WriteState(&b, NewStateReport(fixtureState()), false)
	_ = WriteStateList(&b, NewStateList(fixtureState()), false)
	_ = WriteState(&b, NewStateReport(memState{}), false)
	_ = WriteValidate(&b, NewValidateReport(3), false)
	ws := []state.WorkspaceInfo{{Name: "apac", Serial: 3, Resources: 0, Updated: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)},
		{Name: "emea-wave-1", Serial: 128, Resources: 20, Updated: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}}
	_ = WriteWorkspaceList(&b, NewWorkspaceList("ferry", "emea-wave-1", ws), false)
	_ = WriteWorkspaceList(&b, NewWorkspaceList("ferry", "new-one", ws), false)
	golden(t, "state.txt.golden", b.String())
}

// fixtureDiags parses a spec and makes diagnostics with and without a range, on one line and two.
func fixtureDiags(t *testing.T) ([]Diagnostic, map[string]*hcl.File) {
	t.Helper()
	src := "subscription \"m365\" {\n  customer_id      = \"aaaaaaaa-0000-0000-0000-000000000001\"\n\tmicrosoft_domain = \"contoso.com\"\n}\n"
	p := hclparse.NewParser()
	_, diags := p.ParseHCL([]byte(src), "main.ferry.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	from := strings.Index(src, `"contoso.com"`)
	to := from + len(`"contoso.com"`)
	d := hcl.Diagnostics{
		{Severity: hcl.DiagError, Summary: "Value for undeclared variable",
			Detail: `--var sets "nope", but no variable "nope" is declared in the spec. Declare it with a variable "nope" {} block, or remove the option.`},
		{Severity: hcl.DiagError, Summary: "Invalid Microsoft domain",
			Detail:  `"contoso.com" does not end in .onmicrosoft.com; want the customer's initial domain, e.g. contoso.onmicrosoft.com.`,
			Subject: &hcl.Range{Filename: "main.ferry.hcl", Start: hcl.Pos{Line: 3, Column: 20, Byte: from}, End: hcl.Pos{Line: 3, Column: 33, Byte: to}}},
		{Severity: hcl.DiagWarning, Summary: "Two lines",
			Subject: &hcl.Range{Filename: "main.ferry.hcl", Start: hcl.Pos{Line: 2, Column: 3, Byte: strings.Index(src, "customer_id")}, End: hcl.Pos{Line: 3, Column: 19, Byte: from - 1}}},
		{Severity: hcl.DiagError, Summary: "Out of the file",
			Subject: &hcl.Range{Filename: "other.ferry.hcl", Start: hcl.Pos{Line: 9, Column: 1, Byte: 200}, End: hcl.Pos{Line: 9, Column: 5, Byte: 204}}},
	}
	files := p.Files()
	return NewDiagnostics(d, files), files
}

func TestDiagnosticsGolden(t *testing.T) {
	vd, _ := fixtureDiags(t)
	var text, js bytes.Buffer
	if err := WriteDiagnostics(&text, vd, TextOptions{Width: 60}); err != nil {
		t.Fatal(err)
	}
	golden(t, "diagnostics.txt.golden", text.String())
	if err := WriteDiagnosticsJSON(&js, vd); err != nil {
		t.Fatal(err)
	}
	golden(t, "diagnostics.json.golden", js.String())

	s := vd[1].Snippet
	if s == nil || s.Code[s.HighlightStartOffset:s.HighlightEndOffset] != `"contoso.com"` || s.Context != `subscription "m365"` || s.StartLine != 3 {
		t.Errorf("snippet = %+v", s)
	}
	if s := vd[2].Snippet; s == nil || strings.Count(s.Code, "\n") != 1 || !strings.HasPrefix(s.Code[s.HighlightStartOffset:], "customer_id") {
		t.Errorf("two-line snippet = %+v", s)
	}
	if vd[3].Snippet != nil || vd[3].Range == nil {
		t.Errorf("unknown file: %+v", vd[3])
	}

	var col bytes.Buffer
	_ = WriteDiagnostics(&col, vd[1:2], TextOptions{Color: true})
	for _, frag := range []string{ansiBoldRed + "Error:" + ansiReset, ansiUnderline + `"contoso.com"` + ansiReset} {
		if !strings.Contains(col.String(), frag) {
			t.Errorf("colour output lacks %q:\n%q", frag, col.String())
		}
	}
	if strings.Contains(col.String(), "^") {
		t.Errorf("colour output has a caret line:\n%s", col.String())
	}
}

func TestWrap(t *testing.T) {
	cases := []struct {
		in    string
		width int
		want  string
	}{
		{"a b c", 0, "a b c"},
		{"aaa bbb ccc", 7, "aaa bbb\nccc"},
		{"toolongword x", 4, "toolongword\nx"},
		{"a\nb c", 3, "a\nb c"},
	}
	for _, tc := range cases {
		if got := wrap(tc.in, tc.width); got != tc.want {
			t.Errorf("wrap(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
}

// TestEveryJSONOutputHasTypeAndVersion renders every JSON output ferry has and checks that each
// document and each line parses and carries "type" and "format_version".
func TestEveryJSONOutputHasTypeAndVersion(t *testing.T) {
	// show --json PLANFILE: the plan goes through the plan file first.
	path := filepath.Join(t.TempDir(), "p.plan")
	if err := planner.WriteFile(path, fixturePlan()); err != nil {
		t.Fatal(err)
	}
	saved, err := planner.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	vd, _ := fixtureDiags(t)
	outputs := map[string]struct {
		typ   string
		lines bool
		write func(*bytes.Buffer) error
	}{
		"plan":      {TypePlan, false, func(b *bytes.Buffer) error { return WritePlanJSON(b, NewPlanReport(fixturePlan())) }},
		"show plan": {TypePlan, false, func(b *bytes.Buffer) error { return WritePlanJSON(b, NewPlanReport(saved)) }},
		"show":      {TypeState, false, func(b *bytes.Buffer) error { return WriteState(b, NewStateReport(fixtureState()), true) }},
		"state show": {TypeStateResource, false, func(b *bytes.Buffer) error {
			r, _ := fixtureState().Get("subscription.a")
			return WriteStateResource(b, NewStateResource(r))
		}},
		"state list": {TypeStateList, false, func(b *bytes.Buffer) error { return WriteStateList(b, NewStateList(fixtureState()), true) }},
		"workspace list": {TypeWorkspaceList, true, func(b *bytes.Buffer) error {
			return WriteWorkspaceList(b, NewWorkspaceList("ferry", "emea", []state.WorkspaceInfo{{Name: "emea", Serial: 9, Resources: 2}}), true)
		}},
		"state edit": {TypeStateEdit, true, func(b *bytes.Buffer) error {
			e := NewStateEdit("state rm")
			e.Edits = append(e.Edits, StateEditItem{Op: "remove", Address: "subscription.a"})
			return WriteStateEdit(b, e, true)
		}},
		"validate": {TypeValidate, false, func(b *bytes.Buffer) error { return WriteValidate(b, NewValidateReport(2), true) }},
		"version":  {TypeVersion, true, func(b *bytes.Buffer) error { return WriteVersion(b, "1.2.3", true) }},
		"no state": {TypeState, false, func(b *bytes.Buffer) error { return WriteState(b, NewEmptyStateReport(), true) }},
		"events": {TypeEvent, true, func(b *bytes.Buffer) error {
			v := NewApplyView(b, io.Discard, ApplyViewOptions{JSON: true, Color: true})
			v.Start(1, 1)
			for _, e := range fixtureEvents() {
				v.Event(e)
			}
			return nil
		}},
		"apply summary": {TypeApplySummary, true, func(b *bytes.Buffer) error {
			return NewApplyView(b, io.Discard, ApplyViewOptions{JSON: true}).Summary(fixtureSummary())
		}},
		"apply progress": {TypeApplyProgress, true, func(b *bytes.Buffer) error {
			NewApplyView(b, io.Discard, ApplyViewOptions{JSON: true}).Snapshot(fixtureSnapshots()[1])
			return nil
		}},
		"diagnostics": {TypeDiagnostic, true, func(b *bytes.Buffer) error { return WriteDiagnosticsJSON(b, vd) }},
		"error": {TypeDiagnostic, true, func(b *bytes.Buffer) error {
			return WriteDiagnosticsJSON(b, []Diagnostic{ErrorDiagnostic("lock held", "")})
		}},
	}
	for name, o := range outputs {
		var b bytes.Buffer
		if err := o.write(&b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		docs := []string{b.String()}
		if o.lines {
			docs = nil
			sc := bufio.NewScanner(&b)
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				docs = append(docs, sc.Text())
			}
		}
		if len(docs) == 0 || strings.Contains(b.String(), "\x1b[") {
			t.Errorf("%s: %d documents, or colour in JSON:\n%s", name, len(docs), b.String())
		}
		for _, d := range docs {
			var head struct {
				Type          *string `json:"type"`
				FormatVersion *string `json:"format_version"`
			}
			if err := json.Unmarshal([]byte(d), &head); err != nil {
				t.Errorf("%s: %v:\n%s", name, err, d)
				continue
			}
			if head.Type == nil || *head.Type != o.typ || head.FormatVersion == nil || *head.FormatVersion != FormatVersion {
				t.Errorf("%s: type %v, format_version %v, want %q %q:\n%s", name, head.Type, head.FormatVersion, o.typ, FormatVersion, d)
			}
		}
		if name == "show plan" || name == "plan" {
			for _, leak := range []string{"MUST-NOT-SHOW", `"params"`, `"steps"`, `"state"`, `"lineage"`} {
				if strings.Contains(b.String(), leak) {
					t.Errorf("%s shows %s", name, leak)
				}
			}
		}
	}
}

// bigPlan has n changes over a few blocks: creates with attributes, blocked ones with reasons
// (a few common, some unique).
func bigPlan(n int) *planner.Plan {
	p := &planner.Plan{}
	for i := range n {
		block := fmt.Sprintf("wave%d", i%4)
		c := model.Change{Addr: model.MakeAddr("subscription", block, fmt.Sprintf("%08d-0000-4000-8000-%012d", i, i), true),
			Kind: model.KindSubscription, Provider: "partnercenter", Action: model.ActionCreate,
			Summary: fmt.Sprintf("migrate legacy %08d-0000-4000-8000-%012d (Microsoft 365 Business Premium, %d seats) → P1Y monthly, co-term", i, i, i%50+1),
			Details: []model.Detail{{Name: "quantity", Old: fmt.Sprint(i%50 + 1), New: fmt.Sprint(i%50 + 2)}, {Name: "term_duration", New: "P1Y"}, {Name: "billing_cycle", New: "monthly"}}}
		switch {
		case i%10 == 3:
			c.Action, c.Details = model.ActionBlocked, nil
			c.Reasons = []string{"Microsoft refuses the migration: trial subscriptions cannot be migrated to New Commerce"}
		case i%10 == 7:
			c.Action, c.Details = model.ActionBlocked, nil
			c.Reasons = []string{fmt.Sprintf("customer %08d is not reachable: 403 Forbidden (the reseller relationship ended on 2024-%02d-01)", i, i%12+1)}
		case i%10 == 9:
			c.Action, c.Details = model.ActionNoop, nil
		}
		p.Changes = append(p.Changes, c)
	}
	return p
}

func TestMarkdownShowsEveryChangeWithItsDetails(t *testing.T) {
	p := bigPlan(20)
	var b bytes.Buffer
	if err := WritePlanMarkdown(&b, NewPlanReport(p)); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	if strings.Contains(md, "Summarised") {
		t.Errorf("20 changes were summarised:\n%s", md)
	}
	for _, c := range p.Changes {
		if c.Action == model.ActionNoop {
			if strings.Contains(md, string(c.Addr)) {
				t.Errorf("unchanged %s is listed", c.Addr)
			}
			continue
		}
		if !strings.Contains(md, mdCode(string(c.Addr))) || !strings.Contains(md, mdEscape(c.Summary)) {
			t.Errorf("markdown lacks %s or its summary", c.Addr)
		}
		for _, d := range c.Details {
			if want := fmt.Sprintf("  - %s: %s → %s\n", mdEscape(d.Name), d.Old, d.New); d.Old != "" && !strings.Contains(md, want) {
				t.Errorf("markdown lacks %q", want)
			}
		}
		for _, r := range c.Reasons {
			if !strings.Contains(md, "  - reason: "+mdEscape(r)) {
				t.Errorf("markdown lacks reason %q", r)
			}
		}
	}
	for _, block := range []string{"subscription.wave0", "subscription.wave3"} {
		if !strings.Contains(md, "#### `"+block+"`") {
			t.Errorf("markdown lacks a heading for %s", block)
		}
	}
}

func TestMarkdownOf2000ChangesFitsAComment(t *testing.T) {
	var b bytes.Buffer
	if err := WritePlanMarkdown(&b, NewPlanReport(bigPlan(2000))); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	if n := len(md); n >= MarkdownLimit {
		t.Fatalf("markdown of 2000 changes is %d characters; the limit is %d", n, MarkdownLimit)
	}
	for _, want := range []string{
		"**Plan: 1400 to migrate, 0 to resume, 200 unchanged, 0 to forget, 400 blocked.**",
		"> **Summarised.** The 1800 changes of this plan are too many for one GitHub comment in full",
		"the limit is 65536",
		"left out",
		"| `subscription.wave3` | 200 to migrate, 200 blocked |",
		"- 100 changes: Microsoft refuses the migration: trial subscriptions cannot be migrated to New Commerce",
		"- 100 changes like this one (IDs and numbers differ): customer 00000007 is not reachable: 403 Forbidden",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	// The budget is used: the blocks that fit are listed by address, not all reduced to counts.
	if n := len(md); n < MarkdownLimit*3/4 {
		t.Errorf("markdown of 2000 changes uses %d of %d characters", n, MarkdownLimit)
	}
	golden(t, "plan_2000.md.golden", md)
}

// TestMarkdownGroupsReasonsThatDifferInIDs: 667 trials and 666 promotions, each reason naming its
// own subscription (and promotion), are two groups with one example each, not 1333 lines.
func TestMarkdownGroupsReasonsThatDifferInIDs(t *testing.T) {
	p := &planner.Plan{}
	for i := range 1333 {
		id := fmt.Sprintf("%08x-0000-4000-8000-%012d", i, i)
		r := fmt.Sprintf("SubscriptionIsTrial: Subscription %s is a trial. Trial subscriptions are not eligible for migration to New Commerce; convert the trial to a paid subscription first.", id)
		if i%2 == 1 {
			r = fmt.Sprintf("SubscriptionHasActivePromotion: Subscription %s has an active promotion (39NFJQT1Q%03d:0001) and cannot be migrated to New Commerce until the promotion ends.", id, i%1000)
		}
		p.Changes = append(p.Changes, model.Change{Addr: model.MakeAddr("subscription", "m365", id, true),
			Kind: model.KindSubscription, Provider: "partnercenter", Action: model.ActionBlocked,
			Summary: "cannot migrate " + id, Reasons: []string{r}})
	}
	var b bytes.Buffer
	if err := WritePlanMarkdown(&b, NewPlanReport(p)); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	if len(md) >= MarkdownLimit {
		t.Fatalf("%d characters", len(md))
	}
	for _, want := range []string{
		"- 667 changes like this one (IDs and numbers differ): SubscriptionIsTrial: Subscription `00000000-0000-4000-8000-000000000000` is a trial.",
		"- 666 changes like this one (IDs and numbers differ): SubscriptionHasActivePromotion: Subscription",
		"1333 changes of this plan are too many",
	} {
		want = strings.ReplaceAll(want, "`", "")
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, cut(md, 3000))
		}
	}
	if n := strings.Count(md, "SubscriptionIsTrial"); n != 1 {
		t.Errorf("the trial reason is shown %d times, want once", n)
	}
	for r, want := range map[string]string{
		"customer 00000017 is not reachable: 403 Forbidden (ended on 2024-06-01)": "customer … is not reachable: … Forbidden (ended on …)",
		"entry AS-1564-9639-4055 of PRD-183-233-565 on MP-65669":                  "entry … of … on …",
		"server s-1234567890abcdef0 job mgnjob-1234567890abcdefg lag 12":          "server … job … lag 12",
		"offer CFQ7TTC0LF8Q:0001:CFQ7TTC0KQDF is not sold":                        "offer … is not sold",
		"SubscriptionIsTrial: Subscription 5c1f is a trial":                       "SubscriptionIsTrial:",
		"Microsoft refuses the migration: trial":                                  "Microsoft refuses the migration: trial",
	} {
		if got := reasonKey(r); got != want {
			t.Errorf("reasonKey(%q) = %q, want %q", r, got, want)
		}
	}
}

func TestMarkdownLevels(t *testing.T) {
	r := NewPlanReport(bigPlan(40))
	var full bytes.Buffer
	_ = writePlanMarkdown(&full, r, MarkdownLimit)
	// Shrinking limits step down through every level: some blocks in full, by address, counted, the
	// most common reasons, the summary line alone; each fits and says what it left out.
	seen := map[string]bool{}
	phrases := []string{"shown in full", "listed by address per action", "counted per action in the table", "most common reasons", "only the summary line"}
	for limit := full.Len() - 1; limit > 300; limit -= 53 {
		var b bytes.Buffer
		_ = writePlanMarkdown(&b, r, limit)
		if b.Len() >= limit {
			t.Fatalf("limit %d: %d characters:\n%s", limit, b.Len(), b.String())
		}
		for _, p := range phrases {
			if strings.Contains(b.String(), p) {
				seen[p] = true
			}
		}
	}
	for _, p := range phrases {
		if !seen[p] {
			t.Errorf("no limit gives a summary that says %q", p)
		}
	}
	var b bytes.Buffer
	_ = writePlanMarkdown(&b, r, 300)
	if b.Len() >= 300 || !strings.Contains(b.String(), "**Cut:**") {
		t.Errorf("limit 300: %d characters:\n%s", b.Len(), b.String())
	}
}

func TestSummaryLineWords(t *testing.T) {
	cs := func(specs ...string) *planner.Plan {
		p := &planner.Plan{}
		for i, s := range specs {
			kind, action, _ := strings.Cut(s, ":")
			p.Changes = append(p.Changes, model.Change{Addr: model.Addr(fmt.Sprintf("%s.x%d", kind, i)), Kind: kind, Action: model.Action(action)})
		}
		return p
	}
	for _, tc := range []struct {
		plan *planner.Plan
		want string
	}{
		{cs("subscription:create", "cutover:blocked"), "Plan: 1 to migrate, 0 to resume, 0 unchanged, 0 to forget, 1 blocked."},
		{cs("subscription:create", "cutover:create", "cutover:create"), "Plan: 1 to migrate, 2 to cut over, 0 to resume, 0 unchanged, 0 to forget."},
		{cs("skip_list:update", "subscription:forget"), "Plan: 0 to migrate, 0 to resume, 1 to change entries, 0 unchanged, 1 to forget."},
		{cs("cutover:no-op", "skip_list:create"), "Plan: 1 to add entries, 0 to resume, 1 unchanged, 0 to forget."},
		{cs("cutover:import"), "Plan: 0 to cut over, 0 to resume, 1 to import, 0 unchanged, 0 to forget."},
		{cs(), "Plan: 0 to create, 0 to resume, 0 unchanged, 0 to forget."},
	} {
		if got := NewPlanReport(tc.plan).Summary.Line(); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}

func TestMarkdownEscapesRemoteText(t *testing.T) {
	p := &planner.Plan{Changes: []model.Change{{Addr: "subscription.a", Kind: "subscription", Action: model.ActionBlocked,
		Reasons: []string{"<img src=x onerror=alert(1)> | *bold* [link](http://x)\nsecond line"}}}}
	var b bytes.Buffer
	_ = WritePlanMarkdown(&b, NewPlanReport(p))
	for _, bad := range []string{"<img", "| *bold*", "[link](", "\nsecond line"} {
		if strings.Contains(b.String(), bad) {
			t.Errorf("markdown keeps %q:\n%s", bad, b.String())
		}
	}
}

func TestShortDur(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "0s", 3500 * time.Millisecond: "3.5s", 75 * time.Second: "1m15s",
		5 * time.Minute: "5m", 2*time.Hour + 90*time.Second: "2h2m", 6 * time.Hour: "6h", 72 * time.Hour: "72h"} {
		if got := shortDur(d); got != want {
			t.Errorf("shortDur(%s) = %q, want %q", d, got, want)
		}
	}
}

// TestApplyLiveFollowsResize: the width was read once when apply started, so a terminal narrowed
// during a long apply wrapped every line of the block, and each redraw (cursor up by the block's line
// count) left the wrapped rest behind. The block now fits the width of the moment.
func TestApplyLiveFollowsResize(t *testing.T) {
	var live, stdout bytes.Buffer
	width := 100
	v := NewApplyView(&stdout, &live, ApplyViewOptions{Live: true, Width: 100, SizeNow: func() (int, int) { return width, 0 }})
	v.Start(200, 10)
	snaps := fixtureSnapshots()
	v.Snapshot(snaps[0])
	width = 30
	mark := live.Len()
	v.Snapshot(snaps[1])
	after := live.String()[mark:]
	for _, l := range strings.Split(after, "\n") {
		if i := strings.LastIndex(l, "\x1b[J"); i >= 0 {
			l = l[i+3:]
		}
		if n := visibleLen(l); n >= 30 {
			t.Errorf("a line of %d columns after the terminal was narrowed to 30: %q", n, l)
		}
	}
}

// TestApplyLiveFitsAShortTerminal: a block taller than the terminal scrolled its first lines out of
// the redraw's reach ("cursor up" stops at the top of the screen), so each redraw left old lines
// behind. The block is cut to one line less than the terminal's height, its oldest waits first.
func TestApplyLiveFitsAShortTerminal(t *testing.T) {
	var live, stdout bytes.Buffer
	height := 50
	v := NewApplyView(&stdout, &live, ApplyViewOptions{Live: true, Width: 100, SizeNow: func() (int, int) { return 100, height }})
	v.Start(200, 10)
	snaps := fixtureSnapshots()
	v.Snapshot(snaps[1])
	full := v.drawn
	if full < 6 {
		t.Fatalf("fixture: the block has %d lines, want a tall one", full)
	}
	height = 4
	mark := live.Len()
	v.Snapshot(snaps[1])
	if v.drawn != 3 {
		t.Errorf("a block of %d lines drawn on a terminal of 4 lines, want 3", v.drawn)
	}
	after := live.String()[mark:]
	if i := strings.LastIndex(after, "\x1b[J"); i >= 0 {
		after = after[i+3:]
	}
	if got := strings.Count(after, "\n"); got != 3 {
		t.Errorf("%d lines written, want 3: %q", got, after)
	}
	if !strings.HasPrefix(after, "Applying") {
		t.Errorf("the block lost its first line: %q", after)
	}
}

// A garbled spec gives one HCL diagnostic per byte, each quoting its (possibly megabyte-long) line:
// at most MaxDiagnostics are converted, the rest counted in one, and a snippet keeps a window of
// the line around its subject (1 MB of control characters took over 20 GB before).
func TestDiagnosticsBounded(t *testing.T) {
	src := bytes.Repeat([]byte{1}, 1<<20)
	f, diags := hclsyntax.ParseConfig(src, "a.ferry.hcl", hcl.InitialPos)
	if len(diags) < 1000 {
		t.Fatalf("fixture: want many diagnostics, got %d", len(diags))
	}
	vd := NewDiagnostics(diags, map[string]*hcl.File{"a.ferry.hcl": f})
	if len(vd) != MaxDiagnostics+1 {
		t.Fatalf("got %d diagnostics, want %d", len(vd), MaxDiagnostics+1)
	}
	if last := vd[len(vd)-1]; last.Severity != "error" || !strings.HasPrefix(last.Summary, fmt.Sprintf("Too many diagnostics: %d more", len(diags)-MaxDiagnostics)) {
		t.Fatalf("last = %+v", last)
	}
	mid := NewDiagnostic(diags[len(diags)/2], map[string]*hcl.File{"a.ferry.hcl": f})
	s := mid.Snippet
	if s == nil || len(s.Code) > maxSnippet || s.HighlightStartOffset > s.HighlightEndOffset || s.HighlightEndOffset > len(s.Code) || s.HighlightEndOffset == 0 {
		t.Fatalf("snippet = %d bytes, highlight %d-%d", len(s.Code), s.HighlightStartOffset, s.HighlightEndOffset)
	}
}

// One instance is "1 resource instance", not "1 resource instances".
func TestValidateCountsInstancesInEnglish(t *testing.T) {
	for n, want := range map[int]string{1: "valid: 1 resource instance.\n", 2: "valid: 2 resource instances.\n"} {
		var b bytes.Buffer
		if err := WriteValidate(&b, NewValidateReport(n), false); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(b.String(), want) {
			t.Errorf("validate of %d: %q, want it to end with %q", n, b.String(), want)
		}
	}
}
