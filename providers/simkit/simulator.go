package simkit

import "net/http"

// Simulator is one provider's simulated API, as the sandbox serves it.
type Simulator interface {
	// Handler serves the API under the provider's prefix (the sandbox strips "/<provider>").
	Handler() http.Handler
	// Snapshot returns the simulator's current objects in its world-file section format.
	Snapshot() any
}

// Progresser is implemented by a simulator whose pending work (orders, migrations) completes when it
// is next looked at. The sandbox calls Progress on every simulator before it snapshots any, so that
// work completed in one simulator and passed to another through the Link shows in both sections of
// one world.
type Progresser interface {
	Progress()
}
