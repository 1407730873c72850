package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestInterruptWhilePlanning sends SIGINT to an apply that is still reading the live state (the
// server never answers): it prints the interrupt notice, says that nothing was sent, and exits 1 —
// it is not killed by the signal.
func TestInterruptWhilePlanning(t *testing.T) {
	reading := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token") {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"access_token":"t0ken","token_type":"Bearer","expires_in":3600}`)
			return
		}
		select {
		case reading <- struct{}{}:
		default:
		}
		<-r.Context().Done()
	}))
	defer srv.Close()
	dir := t.TempDir()
	spec := `provider "partnercenter" {
  endpoint  = "` + srv.URL + `"
  authority = "` + srv.URL + `"
  tenant_id = "t"
}
subscription "s" {
  customer_id      = "aaaaaaaa-0000-0000-0000-000000000001"
  microsoft_domain = "alpha.onmicrosoft.com"
  migrate_from     = "11111111-0000-0000-0000-000000000001"
  term_duration    = "P1Y"
  billing_cycle    = "monthly"
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.ferry.hcl"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command("ferry", "apply", "--auto-approve", "--chdir", dir)
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "FERRY_SANDBOX=", "FERRY_PARTNERCENTER_CLIENT_ID=id", "FERRY_PARTNERCENTER_CLIENT_SECRET=secret")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-reading:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("apply never read the live state:\n%s", out.String())
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("apply interrupted while planning: %v, want exit 1\n%s", err, out.String())
	}
	for _, want := range []string{"Interrupt received before any change started: nothing has been sent",
		"interrupted while planning: nothing was sent and the state is unchanged"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "ferry.state.json.journal")); err == nil {
		t.Errorf("an apply interrupted while planning journaled something")
	}
}
