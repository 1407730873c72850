package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWorkspaceFileFromAPullRequest: the workspace file lies in the spec directory, which an
// untrusted pull request fills. A link to /proc/self/environ had the whole environment quoted in the
// error, a link to /dev/zero was read without end, and workspace select wrote through a link. A link
// or an oversized file is refused, a bad content is never quoted, and select replaces the link.
func TestWorkspaceFileFromAPullRequest(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".ferry"), 0o755); err != nil {
		t.Fatal(err)
	}
	secretFile := filepath.Join(t.TempDir(), "environ")
	if err := os.WriteFile(secretFile, []byte("GITHUB_TOKEN=ghs_S3cr3tT0ken\x00HOME=/root\x00"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, workspaceFile)
	g := &Globals{Chdir: dir}
	for name, setup := range map[string]func() error{
		"link to a secret": func() error { return os.Symlink(secretFile, path) },
		"link to a device": func() error { return os.Symlink("/dev/zero", path) },
		"secret content":   func() error { return os.WriteFile(path, []byte("GITHUB_TOKEN=ghs_S3cr3tT0ken\n"), 0o644) },
		"oversized":        func() error { return os.WriteFile(path, []byte(strings.Repeat("a", 5000)), 0o644) },
	} {
		_ = os.Remove(path)
		if err := setup(); err != nil {
			t.Fatal(err)
		}
		_, err := g.selectedWorkspace()
		if err == nil || strings.Contains(err.Error(), "S3cr3t") || strings.Contains(err.Error(), "aaaa") {
			t.Errorf("%s: err = %v; want a refusal that quotes nothing of the file", name, err)
		}
	}
	// select replaces a link; it never writes through it.
	_ = os.Remove(path)
	if err := os.Symlink(secretFile, path); err != nil {
		t.Fatal(err)
	}
	if err := g.selectWorkspace("w1"); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(secretFile); !strings.Contains(string(data), "GITHUB_TOKEN") {
		t.Errorf("select wrote through the link: %q", data)
	}
	if got, err := g.selectedWorkspace(); err != nil || got != "w1" {
		t.Errorf("selected = %q, %v; want w1", got, err)
	}
}
