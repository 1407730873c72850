package main

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ferry-dev/ferry/providers/mgn"
)

// mgnWorld reads the MGN section of the sandbox's world.
func mgnWorld(ts *testscript.TestScript) mgn.SimWorld {
	var world struct {
		MGN mgn.SimWorld `json:"mgn"`
	}
	sandboxGet(ts, "/_sandbox/world", &world)
	return world.MGN
}

// mgnjobs N: the MGN simulator holds exactly N cutover jobs, and no server takes part in two.
func cmdMGNJobs(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: mgnjobs N")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	per, n := map[string]int{}, 0
	for _, j := range mgnWorld(ts).Jobs {
		if j.InitiatedBy != "START_CUTOVER" {
			continue
		}
		n++
		for _, p := range j.ParticipatingServers {
			if per[p.SourceServerID]++; per[p.SourceServerID] > 1 {
				ts.Fatalf("server %s is in %d cutover jobs", p.SourceServerID, per[p.SourceServerID])
			}
		}
	}
	if n != want {
		ts.Fatalf("%d cutover jobs, want %d (servers: %v)", n, want, per)
	}
}

// mgnserver ID STATE ARCHIVED: the source server is in lifecycle STATE and isArchived is ARCHIVED.
func cmdMGNServer(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: mgnserver ID STATE true|false")
	}
	for _, s := range mgnWorld(ts).SourceServers {
		if s.SourceServerID == args[0] {
			if s.LifeCycle.State != args[1] || strconv.FormatBool(s.IsArchived) != args[2] {
				ts.Fatalf("server %s is %s archived=%v, want %s archived=%s", args[0], s.LifeCycle.State, s.IsArchived, args[1], args[2])
			}
			return
		}
	}
	ts.Fatalf("no server %s", args[0])
}

// mgnmove ID STATE: change a server's lifecycle by hand, as a person in the console would
// (ChangeServerLifeCycleState sent to the sandbox).
func cmdMGNMove(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: mgnmove ID STATE")
	}
	body := `{"sourceServerID": "` + args[0] + `", "lifeCycle": {"state": "` + args[1] + `"}}`
	req, err := http.NewRequest(http.MethodPost, ts.Getenv("FERRY_SANDBOX")+"/mgn/ChangeServerLifeCycleState", strings.NewReader(body))
	ts.Check(err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=by-hand")
	resp, err := http.DefaultClient.Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		ts.Fatalf("ChangeServerLifeCycleState: %s: %s", resp.Status, b)
	}
}
