// Package toy is the smallest complete provider: a client of a tiny "objects" API, its resource
// logic, and a simulator of that API. It is not in ferry's provider table; it exists as the worked
// example of docs/architecture.md ("How to add a provider") and as the proof, in app's tests, that
// a provider is one folder plus one line of the table. It serves subscription blocks with
// via = "toy": creating the instance creates an object named by migrate_from.
package toy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/state"
)

// Name is the provider's name in specs (via = "toy") and sandbox URLs.
const Name = "toy"

// Operations the simulator counts in /_sandbox/stats.
const (
	OpList   = "toy.ListObjects"
	OpCreate = "toy.CreateObject"
)

// Entry is the provider's line of a provider table.
func Entry() providers.Entry {
	return providers.Entry{
		Name: Name, Title: "Toy objects API", Serves: []string{model.KindSubscription},
		Settings: []providers.Setting{{Name: "endpoint", Type: cty.String, Check: providers.CheckURL, Doc: "API root"}},
		Open: func(ctx context.Context, cfg providers.Config, env providers.Env) (providers.Provider, error) {
			return Open(cfg, env)
		},
		Simulator:  NewSimulator,
		Operations: []string{OpList, OpCreate},
	}
}

// Object is the API's one resource.
type Object struct {
	ID  string `json:"id"`
	Key string `json:"key,omitempty"`
}

// Provider creates toy objects.
type Provider struct {
	base string
	hc   *http.Client
}

// Open builds the provider: against the sandbox when env.Sandbox is set, else against endpoint.
func Open(cfg providers.Config, env providers.Env) (*Provider, error) {
	base := cfg.String("endpoint", "")
	if env.Sandbox != nil {
		base = env.Sandbox.Base(Name)
	}
	if base == "" {
		return nil, errors.New("endpoint is required outside the sandbox")
	}
	hc := env.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Provider{base: strings.TrimRight(base, "/"), hc: hc}, nil
}

// list reads the objects matching one filter (ids=a,b or key=k).
func (p *Provider) list(ctx context.Context, filter, value string) ([]Object, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+"/objects?"+filter+"="+url.QueryEscape(value), nil)
	if err != nil {
		return nil, err
	}
	var out []Object
	return out, p.do(req, &out)
}

func (p *Provider) do(req *http.Request, into any) error {
	resp, err := p.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: HTTP %d", req.Method, req.URL.Path, resp.StatusCode)
	}
	if err := json.Unmarshal(body, into); err != nil {
		return fmt.Errorf("%s %s: decoding the answer: %w", req.Method, req.URL.Path, err)
	}
	return nil
}

// Read lists every wanted object in one call.
func (p *Provider) Read(ctx context.Context, reqs []providers.ReadRequest) (map[model.Addr]providers.Live, hcl.Diagnostics) {
	ids := make([]string, 0, len(reqs))
	for _, r := range reqs {
		ids = append(ids, r.Instance.Subscription.MigrateFrom)
	}
	objs, err := p.list(ctx, "ids", strings.Join(ids, ","))
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read toy objects", Detail: err.Error()}}
	}
	byID := map[string]Object{}
	for _, o := range objs {
		byID[o.ID] = o
	}
	out := make(map[model.Addr]providers.Live, len(reqs))
	for _, r := range reqs {
		if o, ok := byID[r.Instance.Subscription.MigrateFrom]; ok {
			out[r.Instance.Addr] = &o
		} else {
			out[r.Instance.Addr] = (*Object)(nil)
		}
	}
	return out, nil
}

// Plan creates a missing object; an existing one needs nothing.
func (p *Provider) Plan(desired model.Instance, prior *state.Resource, live providers.Live) (model.Change, hcl.Diagnostics) {
	id := desired.Subscription.MigrateFrom
	done := &state.Resource{Addr: string(desired.Addr), Kind: desired.Kind, Provider: Name, Status: state.StatusDone,
		RemoteIDs: map[string]string{"object_id": id}}
	if o, _ := live.(*Object); o != nil {
		if prior == nil {
			return model.Change{Action: model.ActionImport, Summary: "record existing object " + id, State: done}, nil
		}
		return model.Change{Action: model.ActionNoop, Summary: "object " + id + " exists"}, nil
	}
	params, _ := json.Marshal(Object{ID: id})
	return model.Change{Action: model.ActionCreate, Summary: "create object " + id,
		Details: []model.Detail{{Name: "object_id", New: id}},
		Steps:   []model.Step{{Addr: desired.Addr, Provider: Name, Name: "create", Mutating: true, Attempt: 1, Description: "creating object " + id, Params: params}},
		State:   done}, nil
}

// Do creates the object under the step's idempotency key.
func (p *Provider) Do(ctx context.Context, step model.Step, key string, progress func(model.Event)) (model.Outcome, error) {
	var o Object
	if err := json.Unmarshal(step.Params, &o); err != nil {
		return model.Outcome{}, fmt.Errorf("step params: %w", err)
	}
	o.Key = key
	body, _ := json.Marshal(o)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.base+"/objects", bytes.NewReader(body))
	if err != nil {
		return model.Outcome{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	var created Object
	if err := p.do(req, &created); err != nil {
		return model.Outcome{}, fmt.Errorf("%w: %v", model.ErrOutcomeUnknown, err)
	}
	return model.Outcome{RemoteIDs: map[string]string{"object_id": created.ID}, Status: state.StatusDone}, nil
}

// Reconcile looks the object up by key.
func (p *Provider) Reconcile(ctx context.Context, step model.Step, key string) (model.Outcome, bool, error) {
	objs, err := p.list(ctx, "key", key)
	if err != nil || len(objs) == 0 {
		return model.Outcome{}, false, err
	}
	return model.Outcome{RemoteIDs: map[string]string{"object_id": objs[0].ID}, Status: state.StatusDone}, true, nil
}
