package views

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-dev/ferry/state"
)

// TypeRunReport is the "type" of summary.json.
const TypeRunReport = "run_report"

// Outcomes of a report row (the status column).
const (
	OutcomeDone            = "done"
	OutcomeFailed          = "failed"
	OutcomeBlocked         = "blocked"
	OutcomeSkipped         = "skipped"
	OutcomeInterrupted     = "interrupted"
	OutcomeNotStarted      = "not_started"
	OutcomeStillInProgress = "still_in_progress"
	OutcomeUnreadable      = "unreadable"
	OutcomeUnchanged       = "unchanged"
	OutcomePlanned         = "planned"
)

// ReportFiles are the files of a run report directory, in the order they are written.
var ReportFiles = []string{"results.csv", "succeeded.csv", "failed.csv", "blocked.csv", "warnings.csv", "totals.csv", "summary.json"}

// ReportRow is one instance of a run: a row of results.csv (and of the file for its outcome).
type ReportRow struct {
	Address  string `json:"address"`
	Provider string `json:"provider"`
	Customer string `json:"customer"`
	// SourceIDs are what is migrated: the legacy subscription, then its add-ons (one row per
	// instance, its add-ons in the same row).
	SourceIDs []string `json:"source_ids"`
	OfferName string   `json:"offer_name"`
	// TargetIDs are the remote IDs the run produced, as name=value.
	TargetIDs []string `json:"target_ids"`
	Action    string   `json:"action"`
	Status    string   `json:"status"`
	Attempts  int      `json:"attempts"`
	Started   string   `json:"started"`
	Finished  string   `json:"finished"`
	// Reason is why it failed or is blocked, as the API gave it.
	Reason   string   `json:"reason"`
	Warnings []string `json:"-"`
	unit     string
}

// ProviderTotals are the statistics of one provider (a row of totals.csv).
type ProviderTotals struct {
	Provider string `json:"provider"`
	// Unit is what the provider's items are: subscriptions, servers or entries.
	Unit                  string `json:"unit"`
	Customers             int    `json:"customers"`
	CustomersReady        int    `json:"customers_ready"`
	CustomersWithErrors   int    `json:"customers_with_errors"`
	CustomersWithWarnings int    `json:"customers_with_warnings"`
	Items                 int    `json:"items"`
	Prepared              int    `json:"prepared"`
	Done                  int    `json:"done"`
	Failed                int    `json:"failed"`
	Blocked               int    `json:"blocked"`
}

// RunReport is the report of one plan or apply (or what `ferry report` rebuilds from the state):
// the CSV files and summary.json of a report directory, and the statistics printed at the end.
type RunReport struct {
	Header
	RunID      string           `json:"run_id"`
	Command    string           `json:"command"`
	StartedAt  time.Time        `json:"started_at"`
	FinishedAt time.Time        `json:"finished_at"`
	Dir        string           `json:"directory,omitempty"`
	Counts     map[string]int   `json:"counts"`
	Totals     []ProviderTotals `json:"totals"`
	Files      []string         `json:"files"`
	// Notifications lists deliveries that failed (the outbox keeps them for the next run).
	Notifications []FailedDelivery `json:"failed_notifications"`
	Rows          []ReportRow      `json:"-"`
}

// FailedDelivery is a notification that could not be delivered during the run.
type FailedDelivery struct {
	EventID  string `json:"event_id"`
	Event    string `json:"event"`
	Receiver string `json:"receiver"`
	Error    string `json:"error"`
}

// sourceKeys are the remote IDs that identify what was migrated, not what the run produced.
var sourceKeys = map[string]bool{"customer_id": true, "legacy_subscription_id": true, "account_id": true,
	"source_subscription_id": true, "batch_id": true, "source_server_id": true}

// NewRunReport builds the report of run from the run record and the resources of the state (get
// returns nil for an address the state does not hold). The same record and state always give the
// same report: `ferry report` rebuilds the files of the last apply from them.
func NewRunReport(run *state.Run, get func(addr string) *state.Resource) *RunReport {
	r := &RunReport{Header: header(TypeRunReport), RunID: run.ID, Command: run.Command, StartedAt: run.StartedAt.UTC(),
		FinishedAt: run.FinishedAt.UTC(), Counts: map[string]int{}, Files: append([]string{}, ReportFiles...),
		Notifications: []FailedDelivery{}, Totals: []ProviderTotals{}, Rows: make([]ReportRow, 0, len(run.Entries))}
	for _, e := range run.Entries {
		row := ReportRow{Address: e.Addr, Provider: e.Provider, Customer: e.Customer, SourceIDs: e.SourceIDs,
			OfferName: e.OfferName, Action: e.Action, Status: e.Outcome, Warnings: e.Warnings, unit: unitOf(e.Kind)}
		reasons := slices.Clone(e.Reasons)
		if res := get(e.Addr); res != nil {
			row.TargetIDs = targetIDs(res.RemoteIDs)
			var first, last time.Time
			unfinished := false
			for _, name := range sortedSteps(res.Steps) {
				st := res.Steps[name]
				row.Attempts = max(row.Attempts, st.Attempt)
				if !st.StartedAt.IsZero() && (first.IsZero() || st.StartedAt.Before(first)) {
					first = st.StartedAt
				}
				if st.FinishedAt.IsZero() {
					unfinished = true
				} else if st.FinishedAt.After(last) {
					last = st.FinishedAt
				}
				if st.Status == state.StepFailed && st.Error != "" && e.Outcome == OutcomeFailed && !slices.Contains(reasons, st.Error) {
					reasons = append(reasons, st.Error)
				}
			}
			if len(res.Steps) > 0 && row.Attempts == 0 {
				row.Attempts = 1
			}
			row.Started = stamp(first)
			if !unfinished {
				row.Finished = stamp(last)
			}
		}
		row.Reason = strings.Join(reasons, "; ")
		r.Counts[row.Status]++
		r.Rows = append(r.Rows, row)
	}
	sort.SliceStable(r.Rows, func(a, b int) bool { return r.Rows[a].Address < r.Rows[b].Address })
	r.Totals = totals(r.Rows)
	return r
}

func sortedSteps(m map[string]*state.StepRecord) []string {
	names := make([]string, 0, len(m))
	for n, st := range m {
		if st != nil {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func targetIDs(m map[string]string) []string {
	var out []string
	for k, v := range m {
		if !sourceKeys[k] && v != "" {
			out = append(out, k+"="+v)
		}
	}
	slices.Sort(out)
	return out
}

// unitOf names the items of a block kind in the statistics.
func unitOf(kind string) string {
	switch kind {
	case "cutover":
		return "servers"
	case "skip_list":
		return "entries"
	}
	return "subscriptions"
}

func isError(status string) bool {
	return status == OutcomeFailed || status == OutcomeUnreadable || status == OutcomeSkipped
}

func isWarning(row ReportRow) bool {
	return row.Status == OutcomeBlocked || row.Status == OutcomeStillInProgress || len(row.Warnings) > 0
}

func isPrepared(row ReportRow) bool {
	switch row.Action {
	case "create", "resume", "update", "import", "forget":
		return true
	}
	return false
}

// totals counts, per provider: customers (ready: every item done or unchanged; with errors; with
// warnings: blocked or still in progress, with no error) and items.
func totals(rows []ReportRow) []ProviderTotals {
	by := map[string]*ProviderTotals{}
	type cust struct{ errors, warnings, notReady bool }
	custs := map[string]map[string]*cust{}
	var names []string
	for _, row := range rows {
		t := by[row.Provider]
		if t == nil {
			t = &ProviderTotals{Provider: row.Provider, Unit: row.unit}
			by[row.Provider] = t
			custs[row.Provider] = map[string]*cust{}
			names = append(names, row.Provider)
		}
		t.Items++
		if isPrepared(row) {
			t.Prepared++
		}
		switch row.Status {
		case OutcomeDone:
			t.Done++
		case OutcomeBlocked:
			t.Blocked++
		}
		if isError(row.Status) {
			t.Failed++
		}
		if row.Customer == "" {
			continue
		}
		c := custs[row.Provider][row.Customer]
		if c == nil {
			c = &cust{}
			custs[row.Provider][row.Customer] = c
		}
		c.errors = c.errors || isError(row.Status)
		c.warnings = c.warnings || isWarning(row)
		c.notReady = c.notReady || (row.Status != OutcomeDone && row.Status != OutcomeUnchanged)
	}
	slices.Sort(names)
	out := make([]ProviderTotals, 0, len(names))
	for _, n := range names {
		t := by[n]
		for _, c := range custs[n] {
			t.Customers++
			switch {
			case c.errors:
				t.CustomersWithErrors++
			case c.warnings:
				t.CustomersWithWarnings++
			}
			if !c.notReady {
				t.CustomersReady++
			}
		}
		out = append(out, *t)
	}
	return out
}

// WriteReportFile renders the report file name (one of ReportFiles) on w.
func (r *RunReport) WriteReportFile(w io.Writer, name string) error {
	var keep func(ReportRow) bool
	switch name {
	case "results.csv":
		keep = func(ReportRow) bool { return true }
	case "succeeded.csv":
		keep = func(row ReportRow) bool { return row.Status == OutcomeDone }
	case "failed.csv":
		keep = func(row ReportRow) bool { return isError(row.Status) }
	case "blocked.csv":
		keep = func(row ReportRow) bool { return row.Status == OutcomeBlocked }
	case "warnings.csv":
		return r.writeWarnings(w)
	case "totals.csv":
		return r.writeTotals(w)
	case "summary.json":
		return writeJSON(w, r, true)
	default:
		return fmt.Errorf("no report file %q", name)
	}
	records := [][]string{{"address", "provider", "customer", "source_ids", "offer_name", "target_ids", "action", "status",
		"attempts", "started", "finished", "reason"}}
	for _, row := range r.Rows {
		if keep(row) {
			records = append(records, []string{row.Address, row.Provider, row.Customer, strings.Join(row.SourceIDs, " "),
				row.OfferName, strings.Join(row.TargetIDs, " "), row.Action, row.Status, strconv.Itoa(row.Attempts),
				row.Started, row.Finished, row.Reason})
		}
	}
	return writeCSV(w, records)
}

func (r *RunReport) writeWarnings(w io.Writer) error {
	records := [][]string{{"address", "provider", "customer", "status", "warning"}}
	for _, row := range r.Rows {
		var ws []string
		switch row.Status {
		case OutcomeBlocked, OutcomeStillInProgress:
			ws = append(ws, row.Reason)
		}
		ws = append(ws, row.Warnings...)
		for _, m := range ws {
			records = append(records, []string{row.Address, row.Provider, row.Customer, row.Status, m})
		}
	}
	return writeCSV(w, records)
}

func (r *RunReport) writeTotals(w io.Writer) error {
	records := [][]string{{"provider", "unit", "customers", "customers_ready", "customers_with_errors", "customers_with_warnings",
		"total", "prepared", "done", "failed", "blocked"}}
	for _, t := range r.Totals {
		records = append(records, []string{t.Provider, t.Unit, strconv.Itoa(t.Customers), strconv.Itoa(t.CustomersReady),
			strconv.Itoa(t.CustomersWithErrors), strconv.Itoa(t.CustomersWithWarnings), strconv.Itoa(t.Items),
			strconv.Itoa(t.Prepared), strconv.Itoa(t.Done), strconv.Itoa(t.Failed), strconv.Itoa(t.Blocked)})
	}
	return writeCSV(w, records)
}

// writeCSV writes records as spreadsheets open them: RFC 4180 quoting, CRLF line ends, and every
// cell a spreadsheet would take for a formula neutralised.
func writeCSV(w io.Writer, records [][]string) error {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	cw.UseCRLF = true
	for _, rec := range records {
		for i := range rec {
			rec[i] = CSVCell(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// CSVCell neutralises formula injection (OWASP, "CSV Injection"): a cell starting with =, +, -, @,
// a tab or a carriage return is prefixed with a single quote, so a spreadsheet shows it as text.
// Invalid UTF-8 is replaced, so the file stays UTF-8.
func CSVCell(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// statsTemplate is what an operator sees at the end of a plan or apply: per provider, customers and
// items, and where the reports are. A provider without customers (MGN's servers) shows its items only.
var statsTemplate = parse("stats", `{{define "stats"}}
Statistics:
{{range .Totals}}  {{esc .Provider}}: {{if .Customers}}customers {{.Customers}} (ready {{.CustomersReady}}, with errors {{.CustomersWithErrors}}, with warnings {{.CustomersWithWarnings}}); {{end}}{{.Unit}} {{.Items}} (prepared {{.Prepared}}, done {{.Done}}, failed {{.Failed}}, blocked {{.Blocked}})
{{else}}  nothing in this run
{{end}}
{{- with .Dir}}Reports: {{esc .}}
{{end}}
{{- range .Notifications}}Notification not delivered: {{esc .Event}} ({{esc .EventID}}) to {{esc .Receiver}}: {{esc .Error}}
{{end}}{{end}}`)

// WriteStats writes the console statistics of r (text, for stderr), after a blank line that sets
// them apart from the output before them.
func WriteStats(w io.Writer, r *RunReport) error {
	return render(w, statsTemplate, "stats", style{}, r)
}

// WriteStatsDocument writes the statistics of r as a document of their own (ferry report's stdout):
// without the blank line first.
func WriteStatsDocument(w io.Writer, r *RunReport) error {
	var b strings.Builder
	if err := render(&b, statsTemplate, "stats", style{}, r); err != nil {
		return err
	}
	_, err := io.WriteString(w, strings.TrimPrefix(b.String(), "\n"))
	return err
}

// WriteRunReportJSON writes r as one JSON document (what summary.json holds), for ferry report --json.
func WriteRunReportJSON(w io.Writer, r *RunReport) error { return writeJSON(w, r, false) }
