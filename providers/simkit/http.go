package simkit

import (
	"net/http"
	"strconv"
	"time"
)

// SetRetryAfter sets the Retry-After header to d in whole seconds (rounded up, at least 1).
func SetRetryAfter(w http.ResponseWriter, d time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(RoundUpSeconds(d)/time.Second)))
}

// DropConnection closes the client connection without an answer, as a network failure would. It
// reports false when the connection cannot be taken over (e.g. HTTP/2); the caller then answers
// with an error status instead.
func DropConnection(w http.ResponseWriter) bool {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return false
	}
	_ = conn.Close()
	return true
}
