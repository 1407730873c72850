package views

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/state"
)

// reportFixture is a run of every outcome: a migration done with an add-on, one failed with the
// API's error, two blocked (ineligible), one skipped, a skip list updated, a cutover still in progress
// with a warning, and an offer name that a spreadsheet would take for a formula.
func reportFixture() (*state.Run, func(string) *state.Resource) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	run := &state.Run{ID: "run-1", Command: "apply", StartedAt: t0, FinishedAt: t0.Add(5 * time.Minute), Entries: []state.RunEntry{
		{Addr: `subscription.m365["a1"]`, Kind: "subscription", Provider: "partnercenter", Action: "create", Outcome: OutcomeDone,
			Customer: "cust-1", SourceIDs: []string{"a1", "addon:a1-x"}, OfferName: "Office 365 E3 (796b)"},
		{Addr: `subscription.m365["a2"]`, Kind: "subscription", Provider: "partnercenter", Action: "create", Outcome: OutcomeFailed,
			Customer: "cust-1", SourceIDs: []string{"a2"}, OfferName: "=HYPERLINK(\"http://x\",\"click\")"},
		{Addr: `subscription.m365["a3"]`, Kind: "subscription", Provider: "partnercenter", Action: "blocked", Outcome: OutcomeBlocked,
			Customer: "cust-2", SourceIDs: []string{"a3"}, Reasons: []string{"NewCommerceProductUnavailable (5): a trial", "-1 days left"}},
		{Addr: `subscription.m365["a4"]`, Kind: "subscription", Provider: "partnercenter", Action: "create", Outcome: OutcomeSkipped,
			Customer: "cust-2", SourceIDs: []string{"a4"}, Reasons: []string{"not started: it depends on subscription.m365[\"a2\"], which did not finish"}},
		{Addr: `subscription.m365["a5"]`, Kind: "subscription", Provider: "partnercenter", Action: "no-op", Outcome: OutcomeUnchanged,
			Customer: "cust-3", SourceIDs: []string{"a5"}},
		{Addr: `skip_list.nce`, Kind: "skip_list", Provider: "connect", Action: "update", Outcome: OutcomeDone,
			Customer: "MP-65669", SourceIDs: []string{"AS-1564-9639-4055"}, OfferName: "PRD-183-233-565"},
		{Addr: `cutover.web01`, Kind: "cutover", Provider: "mgn", Action: "create", Outcome: OutcomeStillInProgress,
			SourceIDs: []string{"s-1234567890abcdef0"}, Reasons: []string{"the cutover job is still running after its timeout"},
			Warnings: []string{"@could not journal the job id"}},
	}}
	res := map[string]*state.Resource{
		`subscription.m365["a1"]`: {Addr: `subscription.m365["a1"]`, RemoteIDs: map[string]string{"customer_id": "cust-1", "legacy_subscription_id": "a1",
			"new_subscription_id": "n1", "addon:a1-x": "n1-x"}, Steps: map[string]*state.StepRecord{
			"migrate":         {Attempt: 1, Status: state.StepDone, StartedAt: t0.Add(time.Second), FinishedAt: t0.Add(2 * time.Second)},
			"await_migration": {Status: state.StepDone, StartedAt: t0.Add(2 * time.Second), FinishedAt: t0.Add(4 * time.Minute)}}},
		`subscription.m365["a2"]`: {Addr: `subscription.m365["a2"]`, RemoteIDs: map[string]string{"migration_id": "m2"}, Steps: map[string]*state.StepRecord{
			"migrate": {Attempt: 2, Status: state.StepFailed, Error: "PartnerFD 800002: Subscription is not active", StartedAt: t0.Add(time.Second), FinishedAt: t0.Add(3 * time.Second)}}},
		`skip_list.nce`: {Addr: `skip_list.nce`, Steps: map[string]*state.StepRecord{
			"add_entries": {Attempt: 1, Status: state.StepDone, StartedAt: t0.Add(time.Second), FinishedAt: t0.Add(2 * time.Second)}}},
		`cutover.web01`: {Addr: `cutover.web01`, RemoteIDs: map[string]string{"job_id": "mgnjob-1"}, Steps: map[string]*state.StepRecord{
			"start_cutover": {Attempt: 1, Status: state.StepIntent, StartedAt: t0.Add(time.Second)}}},
	}
	return run, func(a string) *state.Resource { return res[a] }
}

func TestRunReportGolden(t *testing.T) {
	run, get := reportFixture()
	r := NewRunReport(run, get)
	r.Dir = "reports/apply_20261201T090500Z"
	for _, f := range ReportFiles {
		var b bytes.Buffer
		if err := r.WriteReportFile(&b, f); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		golden(t, "report_"+f+".golden", b.String())
	}
	var b bytes.Buffer
	if err := WriteStats(&b, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "report_stats.txt.golden", b.String())
}

// The same record and resources always give the same files (ferry report relies on it).
func TestRunReportDeterministic(t *testing.T) {
	var first string
	for i := range 5 {
		run, get := reportFixture()
		var b bytes.Buffer
		if err := NewRunReport(run, get).WriteReportFile(&b, "totals.csv"); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = b.String()
		} else if b.String() != first {
			t.Fatalf("run %d gave another totals.csv:\n%s\nwant\n%s", i, b.String(), first)
		}
	}
}

func TestCSVCellNeutralisesFormulas(t *testing.T) {
	for in, want := range map[string]string{
		"=1+2": "'=1+2", "+1": "'+1", "-1": "'-1", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		"plain": "plain", "": "", "a=b": "a=b", "bad\xffutf8": "bad\uFFFDutf8",
	} {
		if got := CSVCell(in); got != want {
			t.Errorf("CSVCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzCSVCell(f *testing.F) {
	for _, s := range []string{"=cmd|' /C calc'!A0", "+", "-", "@", "ok", "\xff", "\"quoted\",x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := CSVCell(s)
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			t.Fatalf("CSVCell(%q) = %q starts with a formula character", s, c)
		}
		var b bytes.Buffer
		if err := writeCSV(&b, [][]string{{s, "x"}}); err != nil {
			t.Fatal(err)
		}
	})
}

// BenchmarkRunReport10k builds and renders every file of the report of 10 000 migrations.
func BenchmarkRunReport10k(b *testing.B) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	run := &state.Run{ID: "r", Command: "apply", StartedAt: t0, FinishedAt: t0}
	res := map[string]*state.Resource{}
	for i := range 10000 {
		a := fmt.Sprintf(`subscription.m365["%08d-0000-0000-0000-000000000000"]`, i)
		run.Entries = append(run.Entries, state.RunEntry{Addr: a, Kind: "subscription", Provider: "partnercenter", Action: "create",
			Outcome: OutcomeDone, Customer: fmt.Sprintf("c%04d", i/5), SourceIDs: []string{"legacy", "addon:x"}, OfferName: "Office 365 E3"})
		res[a] = &state.Resource{Addr: a, RemoteIDs: map[string]string{"new_subscription_id": "n", "migration_id": "m"},
			Steps: map[string]*state.StepRecord{"migrate": {Attempt: 1, StartedAt: t0, FinishedAt: t0}}}
	}
	get := func(a string) *state.Resource { return res[a] }
	b.ReportAllocs()
	for b.Loop() {
		r := NewRunReport(run, get)
		for _, f := range ReportFiles {
			if err := r.WriteReportFile(io.Discard, f); err != nil {
				b.Fatal(err)
			}
		}
	}
}
