package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestInterruptWhileEvaluatingTheSpec: HCL evaluation cannot be cancelled, so a spec whose
// expressions build millions of values held validate, plan and apply past two Ctrl-Cs (the third
// killed ferry without a word). The first interrupt now ends the command at once, saying so. Here
// the evaluation is held in a variable lookup until the test ends.
func TestInterruptWhileEvaluatingTheSpec(t *testing.T) {
	dir := t.TempDir()
	spec := "variable \"x\" {\n  type = string\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "main.ferry.hcl"), []byte(spec), 0o600); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	defer close(release)
	entered := make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb bytes.Buffer
	g := &Globals{Chdir: dir, Stdout: &out, Stderr: &errb, Interrupt: ctx, Getenv: func(k string) string {
		if strings.HasPrefix(k, "FERRY_VAR_") {
			entered <- struct{}{}
			<-release // an evaluation that does not end by itself
		}
		return ""
	}}
	done := make(chan int, 1)
	go func() { done <- Validate(g) }()
	<-entered
	cancel()
	select {
	case code := <-done:
		if code != ExitError || !strings.Contains(errb.String(), "interrupted while the spec was being evaluated") {
			t.Fatalf("exit %d, stderr %q", code, errb.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the interrupt did not end the command")
	}
}
