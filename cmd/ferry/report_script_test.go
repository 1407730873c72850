package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ferry-dev/ferry/internal/receivertest"
)

// reportfile BASE COMMAND FILE DEST: copy FILE of the newest report directory BASE/COMMAND_* to DEST.
func cmdReportFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 4 {
		ts.Fatalf("usage: reportfile BASE COMMAND FILE DEST")
	}
	dirs, err := filepath.Glob(filepath.Join(ts.MkAbs(args[0]), args[1]+"_*"))
	ts.Check(err)
	if len(dirs) == 0 {
		ts.Fatalf("no report directory %s/%s_*", args[0], args[1])
	}
	slices.SortFunc(dirs, func(a, b string) int {
		ia, _ := os.Stat(a)
		ib, _ := os.Stat(b)
		return ia.ModTime().Compare(ib.ModTime())
	})
	data, err := os.ReadFile(filepath.Join(dirs[len(dirs)-1], args[2]))
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[3]), data, 0o644))
}

// receivers are the notification receivers each script started.
var receivers = struct {
	sync.Mutex
	hooks map[*testscript.TestScript]*receivertest.Hook
	smtp  map[*testscript.TestScript]*receivertest.SMTP
}{hooks: map[*testscript.TestScript]*receivertest.Hook{}, smtp: map[*testscript.TestScript]*receivertest.SMTP{}}

// webhook SECRET: start a webhook receiver checking signatures with SECRET; FERRY_VAR_hook_url is its URL.
// webhook MODE: make it answer "ok", "500" or "hang" from now on.
func cmdWebhook(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: webhook SECRET | webhook ok|500|hang")
	}
	receivers.Lock()
	defer receivers.Unlock()
	if h := receivers.hooks[ts]; h != nil {
		mode := args[0]
		if mode == "ok" {
			mode = ""
		}
		h.SetMode(mode)
		return
	}
	h := receivertest.NewHook(args[0])
	receivers.hooks[ts] = h
	ts.Defer(func() {
		h.Close()
		receivers.Lock()
		delete(receivers.hooks, ts)
		receivers.Unlock()
	})
	ts.Setenv("FERRY_VAR_hook_url", h.URL)
}

// smtpserver USER PASS: start an SMTP server requiring STARTTLS and these credentials; sets
// FERRY_VAR_smtp_addr, FERRY_SMTP_CA_FILE and the credentials' variables.
func cmdSMTPServer(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: smtpserver USER PASS")
	}
	s, err := receivertest.NewSMTP(args[0], args[1])
	ts.Check(err)
	receivers.Lock()
	receivers.smtp[ts] = s
	receivers.Unlock()
	ts.Defer(func() {
		s.Close()
		receivers.Lock()
		delete(receivers.smtp, ts)
		receivers.Unlock()
	})
	ca := ts.MkAbs("smtp-ca.pem")
	ts.Check(os.WriteFile(ca, s.CAPEM, 0o600))
	ts.Setenv("FERRY_VAR_smtp_addr", s.Addr)
	ts.Setenv("FERRY_SMTP_CA_FILE", ca)
	ts.Setenv("FERRY_SMTP_USERNAME", args[0])
	ts.Setenv("FERRY_SMTP_PASSWORD", args[1])
}

// got webhook|smtp EVENT N: the receiver got exactly N distinct events of kind EVENT (event_id
// de-duplicated; each delivery signed correctly / over STARTTLS), and no body holds TEXT given as
// "got webhook|smtp none TEXT".
func cmdGot(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: got webhook|smtp EVENT N | got webhook|smtp none TEXT")
	}
	receivers.Lock()
	var got []receivertest.Received
	switch args[0] {
	case "webhook":
		if h := receivers.hooks[ts]; h != nil {
			got = h.Got()
		}
	case "smtp":
		if s := receivers.smtp[ts]; s != nil {
			got = s.Got()
		}
	}
	receivers.Unlock()
	if args[1] == "none" {
		for _, r := range got {
			if strings.Contains(string(r.Body), args[2]) {
				ts.Fatalf("a %s body holds %q: %s", args[0], args[2], r.Body)
			}
		}
		return
	}
	want, err := strconv.Atoi(args[2])
	ts.Check(err)
	ids := map[string]bool{}
	for _, r := range got {
		if args[0] == "webhook" && !r.SignedOK {
			ts.Fatalf("webhook %s (%s) has a bad signature", r.Event, r.EventID)
		}
		if args[0] == "smtp" && !r.TLS {
			ts.Fatalf("mail %s (%s) did not come over STARTTLS", r.Event, r.EventID)
		}
		if r.Event == args[1] {
			ids[r.EventID] = true
		}
	}
	if len(ids) != want {
		var all []string
		for _, r := range got {
			all = append(all, r.Event+" "+r.Address+" "+r.EventID)
		}
		ts.Fatalf("%s got %d distinct %s events, want %d; all deliveries:\n%s", args[0], len(ids), args[1], want, strings.Join(all, "\n"))
	}
	fmt.Fprintf(ts.Stdout(), "%s: %d deliveries in all\n", args[0], len(got))
}
