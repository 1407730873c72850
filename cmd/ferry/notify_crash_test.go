package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

			applyKilledAt(t, env, dir, records, 60*time.Second)
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
