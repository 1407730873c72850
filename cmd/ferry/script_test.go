package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ferry-dev/ferry/providers/partnercenter/examplegen"
	"github.com/ferry-dev/ferry/providers/sandbox"
	"github.com/ferry-dev/ferry/providers/table"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"ferry": func() { os.Exit(run(os.Args[1:])) },
	})
}

// TestScripts runs the CLI end to end: every testdata/script/*.txtar runs the built ferry against an
// in-process sandbox started by the script's `sandbox` command.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("NO_COLOR", "1")
			env.Setenv("FERRY_SANDBOX", "")
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if cond == "pg" {
				return false, nil // TestScriptsPostgres runs the scripts with the state in PostgreSQL
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: scriptCmds(),
	})
}

// scriptCmds are the commands the scripts use besides testscript's own.
func scriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"sandbox":     cmdSandbox,
		"stats":       cmdStats,
		"faults":      cmdFaults,
		"migrations":  cmdMigrations,
		"holdlock":    cmdHoldLock,
		"exitcode":    cmdExitCode,
		"examplegen":  cmdExamplegen,
		"lines":       cmdLines,
		"skiplist":    cmdSkipList,
		"skiplistset": cmdSkipListSet,
		"orders":      cmdCommerceOrders,
		"statedump":   cmdStateDump,
		"deepspec":    cmdDeepSpec,
		"hostile":     cmdHostile,
		"noleak":      cmdNoLeak,
		"reportfile":  cmdReportFile,
		"webhook":     cmdWebhook,
		"smtpserver":  cmdSMTPServer,
		"got":         cmdGot,
		"mgnjobs":     cmdMGNJobs,
		"mgnserver":   cmdMGNServer,
		"mgnmove":     cmdMGNMove,
	}
}

// sandbox WORLD: serve the simulators of WORLD in this process and point FERRY_SANDBOX at them.
func cmdSandbox(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sandbox WORLD")
	}
	w, err := sandbox.LoadWorld(ts.MkAbs(args[0]), table.Default())
	ts.Check(err)
	srv, err := sandbox.New(w, table.Default())
	ts.Check(err)
	hs := httptest.NewServer(srv.Handler())
	ts.Defer(hs.Close)
	ts.Setenv("FERRY_SANDBOX", hs.URL)
}

func sandboxGet(ts *testscript.TestScript, path string, v any) {
	base := ts.Getenv("FERRY_SANDBOX")
	if base == "" {
		ts.Fatalf("no sandbox: run the sandbox command first")
	}
	resp, err := http.Get(base + path)
	ts.Check(err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	ts.Check(err)
	if resp.StatusCode != http.StatusOK {
		ts.Fatalf("GET %s: %s: %s", path, resp.Status, body)
	}
	ts.Check(json.Unmarshal(body, v))
}

// stats OP N: the sandbox received exactly N requests of operation OP ("stats OP <=N" for at most N).
func cmdStats(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: stats OPERATION [<=]N")
	}
	var stats map[string]int
	sandboxGet(ts, "/_sandbox/stats", &stats)
	atMost := strings.HasPrefix(args[1], "<=")
	want, err := strconv.Atoi(strings.TrimPrefix(args[1], "<="))
	ts.Check(err)
	got := stats[args[0]]
	ok := got == want || (atMost && got <= want)
	if ok == neg {
		ts.Fatalf("stats %s = %d, want %s%s (all: %v)", args[0], got, map[bool]string{true: "not "}[neg], args[1], stats)
	}
}

// faults FILE: replace the sandbox's faults with the JSON body in FILE.
func cmdFaults(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: faults FILE")
	}
	f, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	resp, err := http.Post(ts.Getenv("FERRY_SANDBOX")+"/_sandbox/faults", "application/json", f)
	ts.Check(err)
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(resp.Body)
		ts.Fatalf("POST faults: %s: %s", resp.Status, b)
	}
}

// migrations N: the sandbox holds N migrations in all and no legacy subscription has more than one.
func cmdMigrations(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: migrations N")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	var world struct {
		PartnerCenter struct {
			Migrations []struct {
				CurrentSubscriptionID string `json:"currentSubscriptionId"`
				Status                string `json:"status"`
			} `json:"migrations"`
		} `json:"partnercenter"`
	}
	sandboxGet(ts, "/_sandbox/world", &world)
	per := map[string]int{}
	for _, m := range world.PartnerCenter.Migrations {
		per[m.CurrentSubscriptionID]++
		if per[m.CurrentSubscriptionID] > 1 {
			ts.Fatalf("legacy subscription %s was migrated %d times", m.CurrentSubscriptionID, per[m.CurrentSubscriptionID])
		}
	}
	if got := len(world.PartnerCenter.Migrations); got != want {
		ts.Fatalf("migrations = %d, want %d", got, want)
	}
}

// holdlock STATEFILE [WORKSPACE]: take the state lock in this process (as "test holder") for the
// rest of the script: the file's, or under [pg] that of its directory's PostgreSQL workspace (or of
// WORKSPACE).
func cmdHoldLock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: holdlock STATEFILE [WORKSPACE]")
	}
	ws := ""
	if len(args) == 2 {
		ws = args[1]
	}
	st, err := scriptBackend(ts, args[0], ws).OpenLocked(context.Background(), "test holder", time.Second)
	if err != nil {
		ts.Fatalf("holdlock: %v", err)
	}
	ts.Defer(func() { _ = st.Close() })
	fmt.Fprintln(ts.Stdout(), "holding the lock")
}

// exitcode N PROGRAM ARGS...: run PROGRAM like exec and check that it exits with code N exactly (its
// stdout and stderr are then checked as after exec).
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}

// examplegen DIR SUBS CUSTOMERS MIGRATION [LIMITS FACTOR]: write a CSV-driven spec of SUBS legacy
// subscriptions over CUSTOMERS customers and its sandbox world (migrations of MIGRATION) into DIR.
func cmdExamplegen(ts *testscript.TestScript, neg bool, args []string) {
	if neg || (len(args) != 4 && len(args) != 6) {
		ts.Fatalf("usage: examplegen DIR SUBS CUSTOMERS MIGRATION [LIMITS FACTOR]")
	}
	o := examplegen.Options{Migration: args[3]}
	var err error
	o.Subs, err = strconv.Atoi(args[1])
	ts.Check(err)
	o.Customers, err = strconv.Atoi(args[2])
	ts.Check(err)
	if len(args) == 6 {
		o.Limits = args[4]
		o.Factor, err = strconv.ParseFloat(args[5], 64)
		ts.Check(err)
	}
	ts.Check(examplegen.Write(ts.MkAbs(args[0]), o))
}

// lines stdout|stderr|FILE REGEXP [<=|>=]N: exactly (at most, at least) N lines of the last
// command's output (or of FILE) match REGEXP. "lines stderr -only RE1 RE2…" instead checks that every
// line matches one of the REs.
func cmdLines(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: lines stdout|stderr|FILE REGEXP [<=|>=]N, or lines stdout|stderr|FILE -only REGEXP...")
	}
	text := ts.ReadFile(args[0])
	all := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if text == "" {
		all = nil
	}
	if args[1] == "-only" {
		var res []*regexp.Regexp
		for _, a := range args[2:] {
			res = append(res, regexp.MustCompile(a))
		}
	next:
		for i, l := range all {
			for _, re := range res {
				if re.MatchString(l) {
					continue next
				}
			}
			ts.Fatalf("%s line %d matches none of %q: %q", args[0], i+1, args[2:], l)
		}
		return
	}
	if len(args) != 3 {
		ts.Fatalf("usage: lines stdout|stderr|FILE REGEXP [<=|>=]N")
	}
	re := regexp.MustCompile(args[1])
	got := 0
	for _, l := range all {
		if re.MatchString(l) {
			got++
		}
	}
	op, num := "", args[2]
	if strings.HasPrefix(num, "<=") || strings.HasPrefix(num, ">=") {
		op, num = num[:2], num[2:]
	}
	want, err := strconv.Atoi(num)
	ts.Check(err)
	if ok := map[string]bool{"": got == want, "<=": got <= want, ">=": got >= want}[op]; !ok {
		ts.Fatalf("%d lines of %s match %q, want %s%d", got, args[0], args[1], op, want)
	}
	ts.Logf("%d lines of %s match %q", got, args[0], args[1])
}
