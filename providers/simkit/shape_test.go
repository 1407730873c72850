package simkit

import (
	"strings"
	"testing"
)

func TestShapeProblems(t *testing.T) {
	fixture := []byte(`{"id": "a", "n": 1, "items": [{"x": true, "links": {"self": "u"}}], "gone": null}`)
	if p, err := ShapeProblems("f.json", fixture, []byte(`{"id": "b", "n": 2, "items": [{"x": false}]}`), ".items[].links"); err != nil || len(p) != 0 {
		t.Errorf("same shape: %v %v", p, err)
	}
	p, err := ShapeProblems("f.json", fixture, []byte(`{"id": 3, "extra": "y", "items": []}`))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(p, "\n")
	for _, want := range []string{`".id" is number in the simulator, string in f.json`, `simulator sends ".extra", which f.json does not have`,
		`simulator does not send ".n" of f.json`, `simulator does not send ".items[].links.self" of f.json`} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if _, err := ShapeProblems("f.json", []byte(`{`), fixture); err == nil {
		t.Error("a fixture that is not JSON was accepted")
	}
}
