package hclspec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ferry-dev/ferry/notify"
)

func loadSrc(t *testing.T, src string) (*Config, string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.ferry.hcl"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, _, diags := Load(dir, withTable(Options{}))
	if !diags.HasErrors() {
		return cfg, ""
	}
	return cfg, diags.Error()
}

func TestNotifyBlocks(t *testing.T) {
	cfg, errs := loadSrc(t, `
ferry { reports = "out/reports" }
notify "ops" {
  events = ["migration_completed", "change_failed", "microsoft_timeout", "apply_finished"]
  webhook {
    url        = "https://hooks.example.com/ferry"
    secret_env = "FERRY_WEBHOOK_SECRET"
    timeout    = "5s"
  }
}
notify "mail" {
  events = ["change_blocked"]
  email {
    to   = ["ops@example.com"]
    from = "ferry@example.com"
    smtp = "smtp.example.com:587"
  }
}
`)
	if errs != "" {
		t.Fatal(errs)
	}
	want := []notify.Receiver{
		{Name: "ops", Events: []string{"migration_completed", "change_failed", "microsoft_timeout", "apply_finished"},
			Webhook: &notify.Webhook{URL: "https://hooks.example.com/ferry", SecretEnv: "FERRY_WEBHOOK_SECRET", Timeout: 5 * time.Second}},
		{Name: "mail", Events: []string{"change_blocked"},
			Email: &notify.Email{To: []string{"ops@example.com"}, From: "ferry@example.com", SMTP: "smtp.example.com:587"}},
	}
	if diff := cmp.Diff(want, cfg.Notify); diff != "" {
		t.Errorf("notify (-want +got):\n%s", diff)
	}
	if cfg.Reports != "out/reports" {
		t.Errorf("reports = %q", cfg.Reports)
	}
}

func TestNotifyErrors(t *testing.T) {
	cases := map[string]string{
		`notify "a" {
  events = ["nope"]
  webhook { url = "https://x.example.com" }
}`: `"nope" is not an event ferry sends`,
		`notify "a" {
  events = ["apply_finished"]
  webhook { url = "http://hooks.example.com/x" }
}`: `http:// only to a loopback address`,
		`notify "a" {
  events = ["apply_finished"]
}`: `Missing receiver`,
		`notify "a" {
  events = ["apply_finished"]
  webhook { url = "https://x.example.com" }
  email {
    to   = ["a@example.com"]
    from = "b@example.com"
    smtp = "s:25"
  }
}`: `Too many receivers`,
		`notify "a" {
  events = ["apply_finished"]
  webhook {
    url = "https://x.example.com"
    secret_env = "sk-live-1234"
  }
}`: `not the key itself`,
		`notify "a" {
  events = ["apply_finished"]
  email {
    to = ["not an address"]
    from = "b@example.com"
    smtp = "smtp.example.com"
  }
}`: `Invalid email address`,
		`notify "a" {
  events = []
  webhook { url = "https://x.example.com" }
}`: `No events`,
		`notify "a" {
  events = ["apply_finished"]
  webhook {
    url = "https://x.example.com"
    timeout = "soon"
  }
}`: `Invalid timeout`,
		`notify "a" {
  events = ["apply_finished"]
  webhook { url = "https://x.example.com" }
}
notify "a" {
  events = ["apply_finished"]
  webhook { url = "https://x.example.com" }
}`: `Duplicate notify block`,
	}
	for src, want := range cases {
		_, errs := loadSrc(t, src)
		if !strings.Contains(errs, want) {
			t.Errorf("%s\n: errors %q, want %q", src, errs, want)
		}
	}
}
