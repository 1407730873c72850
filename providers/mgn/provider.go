package mgn

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ferry-dev/ferry/providers"
)

// DefaultCutoverTimeout bounds the wait for a cutover job when the spec sets no timeouts.cutover.
const DefaultCutoverTimeout = 2 * time.Hour

// Provider cuts servers over through MGN.
type Provider struct {
	client *Client
	// first and max are the watcher's pace: the first read of a job one interval after it started,
	// backing off to max.
	first, max time.Duration
	// timeScale divides timeouts: the sandbox's time factor (1 outside the sandbox).
	timeScale float64
	// settle is how long the effect of a mutating call may be missing from what DescribeSourceServers
	// and DescribeJobs answer (Settle).
	settle time.Duration

	mu sync.Mutex
	// batches are the StartCutover calls of this run, by batch ID: the first step of a batch to run
	// sends it for every member, the others take their job from it.
	batches map[string]*batchCall
}

// Open builds the provider: against the sandbox (its BaseEndpoint, static credentials) when
// env.Sandbox is set, else with the standard AWS chain.
func Open(ctx context.Context, cfg providers.Config, env providers.Env) (*Provider, error) {
	s := SettingsOf(cfg)
	o := ClientOptions{Settings: s, HTTPClient: env.HTTPClient, Log: env.Log}
	p := &Provider{first: 30 * time.Second, max: 2 * time.Minute, timeScale: 1, batches: map[string]*batchCall{}}
	// The caller names the provider ("mgn provider: …"): these errors do not repeat it.
	poll, err := cfg.Duration("poll_interval", p.first)
	if err != nil {
		return nil, err
	}
	if poll <= 0 {
		return nil, fmt.Errorf("poll_interval must be positive, not %s", poll)
	}
	p.first, p.max = poll, 4*poll
	if p.settle, err = providers.SettleOf(cfg, env); err != nil {
		return nil, err
	}
	if env.Sandbox != nil {
		o.Settings.Endpoint = env.Sandbox.Base(Name)
		o.Settings.Profile, o.Settings.AssumeRoleARN = "", ""
		o.Static = &aws.Credentials{AccessKeyID: "AKIASANDBOX", SecretAccessKey: "sandbox", Source: "ferry sandbox"}
		d := env.Sandbox.Behaviour.DurationOf(DurationLaunch, simDefaultLaunch)
		if f := env.Sandbox.Behaviour.Factor(); f > 1 {
			d = time.Duration(float64(d) / f)
			p.timeScale = f
		}
		// A job is read at a tenth of its duration, then every tenth: its end is seen within 10 %.
		p.first = min(max(d/10, 10*time.Millisecond), 5*time.Second)
		p.max = p.first
	}
	c, err := NewClient(ctx, o)
	if err != nil {
		return nil, err
	}
	p.client = c
	return p, nil
}

// NewWithClient builds a provider around a client (tests).
func NewWithClient(c *Client, first, max time.Duration) *Provider {
	return &Provider{client: c, first: first, max: max, timeScale: 1, batches: map[string]*batchCall{}}
}
