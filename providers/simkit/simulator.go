package simkit

import "net/http"

// Simulator is one provider's simulated API, as the sandbox serves it.
type Simulator interface {
	// Handler serves the API under the provider's prefix (the sandbox strips "/<provider>").
	Handler() http.Handler
	// Snapshot returns the simulator's current objects in its world-file section format.
	Snapshot() any
}
