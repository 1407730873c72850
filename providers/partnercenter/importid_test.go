package partnercenter

import (
	"strings"
	"testing"
)

// A malformed import ID is explained once: "… is not of the form <customer_id>/<subscription_id>"
// was followed by "; want <customer_id>/<subscription_id>".
func TestCheckImportIDSaysTheFormOnce(t *testing.T) {
	err := CheckImportID("just-a-subscription")
	if err == nil {
		t.Fatal("no error for an ID without customer")
	}
	if n := strings.Count(err.Error(), "<customer_id>/<subscription_id>"); n != 1 {
		t.Errorf("%q names the form %d times, want once", err, n)
	}
	if err := CheckImportID("c/s"); err != nil {
		t.Errorf("c/s: %v", err)
	}
}
