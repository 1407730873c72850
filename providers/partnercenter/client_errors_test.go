package partnercenter

import "testing"

// An API error names its status once: an error body whose code is the status itself (the
// simulator's injected 500, some gateways' answers) read "HTTP 500 500: Internal Server Error".
func TestAPIErrorNamesTheStatusOnce(t *testing.T) {
	for _, c := range []struct {
		err  APIError
		want string
	}{
		{APIError{Operation: OpListSubscriptions, StatusCode: 500, Code: "500", Description: "Internal Server Error"},
			OpListSubscriptions + ": HTTP 500: Internal Server Error"},
		{APIError{Operation: OpCreateMigration, StatusCode: 400, Code: "800002", Description: "Not eligible.", RequestID: "r-1"},
			OpCreateMigration + ": HTTP 400 800002: Not eligible. (MS-RequestId r-1)"},
	} {
		if got := c.err.Error(); got != c.want {
			t.Errorf("Error() = %q, want %q", got, c.want)
		}
	}
}
