package hclspec

import (
	"strings"
	"testing"
	"time"
)

func TestCutoverArchiveNeedsFinalizeAndTimeouts(t *testing.T) {
	src := `
cutover "a" {
  source_server_id = "s-1234567890abcdef0"
  archive          = true
}
cutover "b" {
  source_server_id = "s-0000000000ZZZZzzz"
  finalize         = true
  archive          = true
  timeouts {
    cutover = "2h"
  }
}
cutover "c" {
  source_server_id = "s-1234567890abcdef"
}
`
	cfg, _, diags := LoadSources("testdata", map[string][]byte{"a.ferry.hcl": []byte(src)}, withTable(Options{}))
	text := render(diags)
	if !strings.Contains(text, "archive needs finalize") || !strings.Contains(text, "a.ferry.hcl:4") {
		t.Errorf("want an archive-needs-finalize error at line 4, got:\n%s", text)
	}
	if !strings.Contains(text, `"s-1234567890abcdef" is not an AWS MGN source server ID`) || len(diags) != 2 {
		t.Errorf("want exactly the archive error and the 16-character ID error, got:\n%s", text)
	}
	cfg, _, diags = LoadSources("testdata", map[string][]byte{"a.ferry.hcl": []byte(src[strings.Index(src, `cutover "b"`):strings.Index(src, `cutover "c"`)])}, withTable(Options{}))
	if diags.HasErrors() {
		t.Fatal(render(diags))
	}
	b := cfg.Instance("cutover.b")
	if b == nil || b.Cutover.Timeout != 2*time.Hour || !b.Cutover.Archive {
		t.Fatalf("cutover.b = %+v", b)
	}
}
