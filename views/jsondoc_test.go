package views

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

// TestJSONDocExamplesDecode: every example in docs/json.md is what ferry prints. Each JSON value of
// each example decodes, without unknown fields, into the Go type that writes its "type", with the
// current format_version; and every document type has an example. An example that kept a field
// renamed or removed since, or a type left undocumented, fails here.
func TestJSONDocExamplesDecode(t *testing.T) {
	doc, err := os.ReadFile("../docs/json.md")
	if err != nil {
		t.Fatal(err)
	}
	typeOf := map[string]func() any{
		TypePlan:          func() any { return &PlanReport{} },
		TypeValidate:      func() any { return &ValidateReport{} },
		TypeEvent:         func() any { return &EventLine{} },
		TypeApplySummary:  func() any { return &ApplySummary{} },
		TypeApplyProgress: func() any { return &ApplyProgress{} },
		TypeDiagnostic:    func() any { return &Diagnostic{} },
		TypeState:         func() any { return &StateReport{} },
		TypeStateList:     func() any { return &StateList{} },
		TypeStateResource: func() any { return &StateResource{} },
		TypeStateEdit:     func() any { return &StateEdit{} },
		TypeVersion:       func() any { return &VersionReport{} },
		TypeRunReport:     func() any { return &RunReport{} },
		TypeWorkspaceList: func() any { return &WorkspaceList{} },
	}
	seen := map[string]bool{}
	blocks := strings.Split(string(doc), "```json\n")[1:]
	if len(blocks) == 0 {
		t.Fatal("docs/json.md has no ```json examples")
	}
	for i, b := range blocks {
		end := strings.Index(b, "```")
		if end < 0 {
			t.Fatalf("example %d is not closed", i+1)
		}
		dec := json.NewDecoder(strings.NewReader(b[:end]))
		for {
			var raw json.RawMessage
			if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("example %d: %v", i+1, err)
			}
			var h Header
			if err := json.Unmarshal(raw, &h); err != nil {
				t.Fatalf("example %d: %v", i+1, err)
			}
			if h.FormatVersion != FormatVersion {
				t.Errorf("example %d (%s): format_version %q, want %q", i+1, h.Type, h.FormatVersion, FormatVersion)
			}
			newValue, ok := typeOf[h.Type]
			if !ok {
				t.Errorf("example %d: unknown type %q", i+1, h.Type)
				continue
			}
			seen[h.Type] = true
			strict := json.NewDecoder(bytes.NewReader(raw))
			strict.DisallowUnknownFields()
			if err := strict.Decode(newValue()); err != nil {
				t.Errorf("example %d (%s) is not what ferry prints: %v", i+1, h.Type, err)
			}
		}
	}
	for typ := range typeOf {
		if !seen[typ] {
			t.Errorf("docs/json.md has no example of %q", typ)
		}
	}
}
