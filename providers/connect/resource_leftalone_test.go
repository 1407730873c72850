package connect

import (
	"fmt"
	"strings"
	"testing"
)

// TestLeftAloneIsBounded: the plan names at most maxLeftAlone of the entries ferry did not add, then
// how many more — a remote list of 8 000 entries made a 150 kB line of the plan.
func TestLeftAloneIsBounded(t *testing.T) {
	few := []string{"AS-0000-0000-0001", "TA-0000-0000-0001"}
	if got, want := leftAlone(few), "AS-0000-0000-0001, TA-0000-0000-0001 (not added by ferry)"; got != want {
		t.Errorf("leftAlone(2) = %q, want %q", got, want)
	}
	var many []string
	for i := range 8000 {
		many = append(many, fmt.Sprintf("AS-0000-%04d-%04d", i/10000, i%10000))
	}
	got := leftAlone(many)
	if len(got) > 600 || !strings.HasSuffix(got, "and 7980 more (8000 entries not added by ferry)") || !strings.HasPrefix(got, "AS-0000-0000-0000, AS-0000-0000-0001,") {
		t.Errorf("leftAlone(8000) = %d bytes: %.200q…", len(got), got)
	}
}
