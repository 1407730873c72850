package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/providers/table"
)

// TestProviderCredentialsAreRedacted: a credential the provider table names (the Partner Center
// client secret) never reaches the output, even when the spec itself prints it in an error.
func TestProviderCredentialsAreRedacted(t *testing.T) {
	const secret = "pc-client-s3cret-value"
	dir := t.TempDir()
	spec := "subscription \"a\" {\n  customer_id = \"" + secret + "\"\n  migrate_from = \"x\"\n  term_duration = \"P1Y\"\n  billing_cycle = \"monthly\"\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "main.ferry.hcl"), []byte(spec), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	env := map[string]string{"FERRY_PARTNERCENTER_CLIENT_SECRET": secret}
	g := &Globals{Chdir: dir, Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }, Providers: table.Default()}
	if code := Validate(g); code != ExitError {
		t.Fatalf("validate = %d, want %d", code, ExitError)
	}
	if strings.Contains(out.String()+errb.String(), secret) {
		t.Fatalf("the client secret was printed:\n%s%s", out.String(), errb.String())
	}
	if !strings.Contains(errb.String(), "(sensitive value)") {
		t.Fatalf("the diagnostic should show the redacted value:\n%s", errb.String())
	}
}
