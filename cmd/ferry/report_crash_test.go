package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReportAfterKill9: after an apply killed with SIGKILL, `ferry report` reports that apply, with
// each change's outcome read from the state (done, interrupted, not started) — not "no apply has been
// recorded" (the first apply), nor the report of the apply before it.
func TestReportAfterKill9(t *testing.T) {
	eachBackend(t, func(t *testing.T, setup func(string, []string) (*crashState, []string)) {
		dir := t.TempDir()
		_, env := exampleInSandbox(t, dir)
		cs, env := setup(dir, env)
		applyKilledAt(t, env, cs, 24, 60*time.Second)

		out := runFerry(t, env, 0, "report", "--chdir", dir, "--report-dir", filepath.Join(dir, "after-kill"))
		if !strings.Contains(out, "did not end (killed?): each change's outcome is read from the state") {
			t.Errorf("ferry report does not say the apply did not end:\n%s", out)
		}
		matches, _ := filepath.Glob(filepath.Join(dir, "after-kill", "apply_*", "results.csv"))
		if len(matches) != 1 {
			t.Fatalf("report files %v, want one results.csv", matches)
		}
		f, err := os.Open(matches[0])
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		status := map[string]int{}
		col := -1
		for i, h := range rows[0] {
			if h == "status" {
				col = i
			}
		}
		for _, r := range rows[1:] {
			status[r[col]]++
		}
		if len(rows) != 21 || status["interrupted"] == 0 || status["done"] == 20 || status["done"]+status["interrupted"]+status["not_started"] != 20 {
			t.Errorf("%d rows, statuses %v: want the 20 changes of the killed apply, some interrupted, none other than done, interrupted or not_started",
				len(rows)-1, status)
		}
		// The resume writes its own report; ferry report then reports it.
		runFerry(t, env, 0, "apply", "--auto-approve", "--chdir", dir)
		out = runFerry(t, env, 0, "report", "--chdir", dir, "--report-dir", filepath.Join(dir, "after-resume"))
		if strings.Contains(out, "did not end") {
			t.Errorf("the finished resume is reported as unfinished:\n%s", out)
		}
	})
}
