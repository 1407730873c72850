package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/internal/receivertest"
)

// TestKill9NotifiesOnce kills `ferry apply` with SIGKILL at several moments, re-applies, and proves
// that a webhook receiver and an SMTP server got exactly one migration_completed per migrated
// subscription (one event_id per address; a delivery repeated after the kill carries the same
// event_id) and one apply_finished, the one of the apply that finished.
func TestKill9NotifiesOnce(t *testing.T) {
	moments := []int{6, 25, 45}
	if testing.Short() {
		moments = moments[1:2]
	}
	for _, records := range moments {
		t.Run(fmt.Sprintf("after_%d_records", records), func(t *testing.T) {
			dir := t.TempDir()
			_, env := exampleInSandbox(t, dir)
			hook := receivertest.NewHook("whsec-crash-0123456789")
			defer hook.Close()
			mail, err := receivertest.NewSMTP("ferry", "smtp-crash-0123456789")
			if err != nil {
				t.Fatal(err)
			}
			defer mail.Close()
			ca := filepath.Join(dir, "smtp-ca.pem")
			if err := os.WriteFile(ca, mail.CAPEM, 0o600); err != nil {
				t.Fatal(err)
			}
			spec := fmt.Sprintf(`
notify "hook" {
  events = ["migration_completed", "apply_finished"]
  webhook {
    url        = %q
    secret_env = "FERRY_WEBHOOK_SECRET"
  }
}
notify "mail" {
  events = ["migration_completed"]
  email {
    to   = ["ops@example.com"]
    from = "ferry@example.com"
    smtp = %q
  }
}
`, hook.URL, mail.Addr)
			if err := os.WriteFile(filepath.Join(dir, "notify.ferry.hcl"), []byte(spec), 0o644); err != nil {
				t.Fatal(err)
			}
			env = append(env, "FERRY_WEBHOOK_SECRET=whsec-crash-0123456789", "FERRY_SMTP_USERNAME=ferry",
				"FERRY_SMTP_PASSWORD=smtp-crash-0123456789", "FERRY_SMTP_CA_FILE="+ca)

			applyKilledAt(t, env, &crashState{dir: dir}, records, 60*time.Second)
			runFerry(t, env, 0, "apply", "--auto-approve", "--chdir", dir)

			check := func(what string, got []receivertest.Received, wantFinished int) {
				t.Helper()
				perAddr := map[string]map[string]bool{}
				finished := map[string]bool{}
				for _, r := range got {
					switch r.Event {
					case "migration_completed":
						if perAddr[r.Address] == nil {
							perAddr[r.Address] = map[string]bool{}
						}
						perAddr[r.Address][r.EventID] = true
					case "apply_finished":
						finished[r.EventID] = true
					}
					if strings.Contains(string(r.Body), "crash-0123456789") {
						t.Errorf("%s: a secret is in a delivery: %s", what, r.Body)
					}
				}
				if len(perAddr) != 20 {
					t.Errorf("%s: migration_completed for %d subscriptions, want 20", what, len(perAddr))
				}
				for a, ids := range perAddr {
					if len(ids) != 1 {
						t.Errorf("%s: %s has %d distinct migration_completed events, want 1", what, a, len(ids))
					}
				}
				if len(finished) != wantFinished {
					t.Errorf("%s: %d apply_finished events, want %d", what, len(finished), wantFinished)
				}
				t.Logf("%s: %d deliveries", what, len(got))
			}
			// A mail's event_id is its X-Ferry-Event-Id header; its address is taken from the JSON
			// payload in its body.
			check("webhook", hook.Got(), 1)
			check("smtp", withAddress(mail.Got()), 0)
		})
	}
}

// withAddress fills the address of mails from the JSON payload in their body.
func withAddress(got []receivertest.Received) []receivertest.Received {
	for i, r := range got {
		body := string(r.Body)
		if j := strings.Index(body, `"address":"`); j >= 0 {
			rest := body[j+len(`"address":"`):]
			if k := strings.Index(rest, `","`); k >= 0 {
				got[i].Address = rest[:k]
			}
		}
	}
	return got
}

// TestKill9MicrosoftTimeoutOnce holds five migrations past Microsoft's 72 h (time-scaled: 100 h of
// simulated time pass in 3.6 s), kills the apply with SIGKILL before the 72 h passed and, in another
// run, once the receivers were told, re-applies, and proves that the webhook receiver and the SMTP
// server got exactly one microsoft_timeout and one migration_completed per migration.
func TestKill9MicrosoftTimeoutOnce(t *testing.T) {
	for _, when := range []string{"before_72h", "after_notified"} {
		t.Run(when, func(t *testing.T) {
			dir := t.TempDir()
			subs := ""
			var ids []string
			for i := 1; i <= 5; i++ {
				id := fmt.Sprintf("11111111-0000-0000-0000-00000000000%d", i)
				ids = append(ids, fmt.Sprintf("%q", id))
				if i > 1 {
					subs += ",\n"
				}
				subs += fmt.Sprintf(`{"id": %q, "offerId": "796b6b5f-613c-4e24-a17c-eba730d49c02", "offerName": "Office 365 E3", "quantity": 1, "status": "active", "billingCycle": "monthly", "termDuration": "P1M", "commitmentEndDate": "2027-03-31T00:00:00Z"}`, id)
			}
			world := fmt.Sprintf(`{"partnercenter": {"customers": [{"id": "aaaaaaaa-0000-0000-0000-000000000001", "domain": "alpha.onmicrosoft.com", "subscriptions": [%s]}],
  "catalog": {"796b6b5f-613c-4e24-a17c-eba730d49c02": "CFQ7TTC0LF8Q:0001:CFQ7TTC0KQDF"}},
 "behaviour": {"time_factor": 100000, "durations": {"partnercenter.migration": "100h"}}}`, subs)
			wpath := filepath.Join(dir, "world.json")
			if err := os.WriteFile(wpath, []byte(world), 0o644); err != nil {
				t.Fatal(err)
			}
			_, _, env := serveWorld(t, wpath)
			hook := receivertest.NewHook("whsec-72h-0123456789")
			defer hook.Close()
			mail, err := receivertest.NewSMTP("ferry", "smtp-72h-0123456789")
			if err != nil {
				t.Fatal(err)
			}
			defer mail.Close()
			ca := filepath.Join(dir, "smtp-ca.pem")
			if err := os.WriteFile(ca, mail.CAPEM, 0o600); err != nil {
				t.Fatal(err)
			}
			spec := fmt.Sprintf(`
subscription "s" {
  for_each         = toset([%s])
  customer_id      = "aaaaaaaa-0000-0000-0000-000000000001"
  microsoft_domain = "alpha.onmicrosoft.com"
  migrate_from     = each.key
  term_duration    = "P1Y"
  billing_cycle    = "monthly"
}
notify "hook" {
  events = ["microsoft_timeout", "migration_completed"]
  webhook {
    url        = %q
    secret_env = "FERRY_WEBHOOK_SECRET"
  }
}
notify "mail" {
  events = ["microsoft_timeout", "migration_completed"]
  email {
    to   = ["ops@example.com"]
    from = "ferry@example.com"
    smtp = %q
  }
}
`, strings.Join(ids, ", "), hook.URL, mail.Addr)
			if err := os.WriteFile(filepath.Join(dir, "main.ferry.hcl"), []byte(spec), 0o644); err != nil {
				t.Fatal(err)
			}
			env = append(env, "FERRY_WEBHOOK_SECRET=whsec-72h-0123456789", "FERRY_SMTP_USERNAME=ferry",
				"FERRY_SMTP_PASSWORD=smtp-72h-0123456789", "FERRY_SMTP_CA_FILE="+ca)

			journal := filepath.Join(dir, "ferry.state.json.journal")
			switch when {
			case "before_72h": // every migration created (intent, id, outcome each), none 72 h old yet
				applyKilledWhen(t, env, dir, func() bool { return countLines(journal) >= 15 }, 60*time.Second)
				if n := count(hook.Got(), "microsoft_timeout"); n != 0 {
					t.Fatalf("killed too late: %d microsoft_timeout already sent", n)
				}
			case "after_notified":
				applyKilledWhen(t, env, dir, func() bool { return count(hook.Got(), "microsoft_timeout") >= 5 }, 60*time.Second)
			}
			runFerry(t, env, 0, "apply", "--auto-approve", "--chdir", dir)

			for what, got := range map[string][]receivertest.Received{"webhook": hook.Got(), "smtp": withAddress(mail.Got())} {
				for _, ev := range []string{"microsoft_timeout", "migration_completed"} {
					per := map[string]map[string]bool{}
					for _, r := range got {
						if r.Event != ev {
							continue
						}
						if per[r.Address] == nil {
							per[r.Address] = map[string]bool{}
						}
						per[r.Address][r.EventID] = true
					}
					if len(per) != 5 {
						t.Errorf("%s: %s for %d subscriptions, want 5", what, ev, len(per))
					}
					for a, idset := range per {
						if len(idset) != 1 {
							t.Errorf("%s: %s: %d distinct %s events, want 1", what, a, len(idset), ev)
						}
					}
				}
			}
		})
	}
}

func count(got []receivertest.Received, event string) int {
	ids := map[string]bool{}
	for _, r := range got {
		if r.Event == event {
			ids[r.EventID] = true
		}
	}
	return len(ids)
}

// applyKilledWhen runs `ferry apply --auto-approve` in dir and kills it with SIGKILL once cond holds.
func applyKilledWhen(t *testing.T, env []string, dir string, cond func() bool, timeout time.Duration) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command("ferry", "apply", "--auto-approve", "--chdir", dir)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(timeout)
	for {
		select {
		case <-exited:
			t.Fatalf("apply finished before the moment to kill it:\n%s", out.String())
		case <-deadline:
			_ = cmd.Process.Kill()
			<-exited
			t.Fatalf("the moment to kill the apply never came:\n%s", out.String())
		case <-time.After(2 * time.Millisecond):
			if cond() {
				_ = cmd.Process.Signal(syscall.SIGKILL)
				<-exited
				return
			}
		}
	}
}
