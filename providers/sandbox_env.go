package providers

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/ferry-dev/ferry/providers/simkit"
)

// Sandbox is a running `ferry sandbox` found through FERRY_SANDBOX: where it is and how its
// simulators behave, so that every client paces itself to the sandbox's rate limits and durations.
type Sandbox struct {
	// URL is the sandbox root, e.g. http://127.0.0.1:8787 (no trailing slash).
	URL string
	// Behaviour is the behaviour section of the sandbox's world.
	Behaviour simkit.Behaviour
}

// Base returns the root under which the sandbox serves the simulator of provider name.
func (s *Sandbox) Base(name string) string { return s.URL + "/" + name }

// Pace is how fast the sandbox runs: whether it enforces rate limits, and the time factor by which
// its durations and (when scaled) rate-limit windows are divided.
type Pace struct {
	// Limits is simkit.RateLimitsDocumented, RateLimitsOff or RateLimitsScaled.
	Limits string
	// Factor is the time factor (≥ 1).
	Factor float64
}

// Pace returns the sandbox's pace.
func (s *Sandbox) Pace() Pace {
	mode := s.Behaviour.RateLimits
	if mode == "" {
		mode = simkit.RateLimitsDocumented
	}
	return Pace{Limits: mode, Factor: s.Behaviour.Factor()}
}

// Wall converts a simulated duration of the sandbox to wall time.
func (s *Sandbox) Wall(d time.Duration) time.Duration {
	return time.Duration(float64(d) / s.Behaviour.Factor())
}

// maxBehaviourBytes bounds the answer of GET /_sandbox/behaviour.
const maxBehaviourBytes = 4 << 20

// DiscoverSandbox reads the behaviour of the sandbox at root (GET /_sandbox/behaviour).
func DiscoverSandbox(ctx context.Context, hc *http.Client, root string) (*Sandbox, error) {
	root = strings.TrimRight(root, "/")
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, root+"/_sandbox/behaviour", nil)
	if err != nil {
		return nil, fmt.Errorf("sandbox URL %q (FERRY_SANDBOX): %w", root, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reaching the sandbox at %s (FERRY_SANDBOX): %w", root, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBehaviourBytes))
	if err != nil {
		return nil, fmt.Errorf("reading the sandbox behaviour from %s: %w", root, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s/_sandbox/behaviour: HTTP %d; is FERRY_SANDBOX a ferry sandbox?", root, resp.StatusCode)
	}
	var b simkit.Behaviour
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, fmt.Errorf("decoding the sandbox behaviour from %s: %w", root, err)
	}
	return &Sandbox{URL: root, Behaviour: b}, nil
}
