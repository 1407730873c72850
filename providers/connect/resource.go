// Package connect is ferry's CloudBlue Connect provider: a client of the Connect public API v1, the
// skip_list resource (the processor skip list, a marketplace-scoped product configuration
// parameter holding comma-separated Connect IDs), and a simulator of the part of the API it uses.
// docs/providers.md describes every request and field.
package connect

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/state"
)

// Name is the provider's name in specs and sandbox URLs.
const Name = "connect"

// Operations the simulator counts in /_sandbox/stats and faults may name.
const (
	OpListConfigurations = "connect.ListConfigurations"
	OpSetConfiguration   = "connect.SetConfiguration"
	OpListRequests       = "connect.ListRequests"
	OpListAssets         = "connect.ListAssets"
)

// Operations lists the simulator's operations.
func Operations() []string {
	return []string{OpListConfigurations, OpSetConfiguration, OpListRequests, OpListAssets}
}

// SettingsSchema declares the arguments of a provider "connect" block.
func SettingsSchema() []providers.Setting {
	return []providers.Setting{
		{Name: "endpoint", Type: cty.String, Check: providers.CheckURL, Doc: "the public API v1 root; default " + DefaultEndpoint},
	}
}

// State attributes of a skip_list.
const (
	// AttrAdded is the comma-separated list of the entries ferry added (and may therefore remove).
	AttrAdded = "added"
	// AttrValue is the value ferry last wrote or read back.
	AttrValue = "value"
)

// stepWrite is the one mutating step of a skip_list change.
const stepWrite = "write"

// Provider manages Connect skip lists.
type Provider struct {
	c *Client
}

// NewProvider returns a provider speaking through c.
func NewProvider(c *Client) *Provider { return &Provider{c: c} }

// Open builds the provider for an evaluated provider block: against the sandbox when env.Sandbox
// is set (no key needed), else against endpoint with the key of FERRY_CONNECT_API_KEY.
func Open(_ context.Context, cfg providers.Config, env providers.Env) (*Provider, error) {
	getenv := env.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	base := cfg.String("endpoint", DefaultEndpoint)
	key := NormalizeKey(getenv(EnvAPIKey))
	if env.Sandbox != nil {
		base = env.Sandbox.Base(Name)
	} else if key == "" {
		return nil, fmt.Errorf("%s is not set: give the Connect API key (SU-…:…) of a token with access to the products' configurations", EnvAPIKey)
	}
	c := NewClient(base, key, env.HTTPClient)
	if env.Sandbox != nil {
		c.Backoff, c.MaxWait = 20*time.Millisecond, time.Second
	}
	return NewProvider(c), nil
}

// Live is what Read found of one skip list.
type Live struct {
	// Found is true when the product has a configuration row of the parameter for the marketplace
	// (without an item).
	Found bool
	// Value is the row's value ("" when unset).
	Value string
	// OpenRequests are the requests of the product's assets in the marketplace that are still open
	// (pending, inquiring, tiers_setup, draft, scheduled); ReadErr says why they could not be listed.
	OpenRequests []string
	RequestsErr  error
	// TierImports maps a customer entry (TA-…) the spec adds to the imports planned for that
	// customer (their addresses), found through the customer's assets.
	TierImports map[string][]string
}

// Read lists the configurations of each product once (every page) and matches the rows in ferry:
// parameter.id, marketplace.id and no item; then the checks' reads (see ReadSpec).
func (p *Provider) Read(ctx context.Context, reqs []providers.ReadRequest) (map[model.Addr]providers.Live, hcl.Diagnostics) {
	return p.ReadSpec(ctx, reqs, nil)
}

var _ providers.SpecReader = (*Provider)(nil)

// ReadSpec is Read, plus what the skip list's warnings need: for a list that gains entries, the
// requests still open for its product in its marketplace (GET /requests with RQL), and, for each
// customer entry (TA-…) it gains while the spec plans imports, that customer's assets (GET /assets)
// to tell whether an import is planned for that customer.
func (p *Provider) ReadSpec(ctx context.Context, reqs []providers.ReadRequest, spec []model.Instance) (map[model.Addr]providers.Live, hcl.Diagnostics) {
	out, diags := p.readValues(ctx, reqs)
	imports := importsByCustomer(spec)
	for _, r := range reqs {
		l, _ := out[r.Instance.Addr].(*Live)
		sl := r.Instance.SkipList
		if l == nil || sl == nil {
			continue
		}
		var adding []string
		for _, e := range sl.Entries {
			if !Has(l.Value, e) {
				adding = append(adding, e)
			}
		}
		if len(adding) == 0 {
			continue
		}
		reqsOpen, err := p.c.ListOpenRequests(ctx, sl.Product, sl.Marketplace, OpenStatuses)
		l.RequestsErr = err
		for _, rq := range reqsOpen {
			l.OpenRequests = append(l.OpenRequests, rq.ID)
		}
		if len(imports) == 0 {
			continue
		}
		for _, e := range adding {
			if !strings.HasPrefix(e, "TA-") {
				continue
			}
			assets, err := p.c.ListCustomerAssets(ctx, sl.Product, e)
			if err != nil {
				continue // a warning's read: the plan goes on without it
			}
			for _, a := range assets {
				if addrs := imports[strings.ToLower(a.Param(assetParamCustomer))]; len(addrs) > 0 {
					if l.TierImports == nil {
						l.TierImports = map[string][]string{}
					}
					l.TierImports[e] = addrs
				}
			}
		}
	}
	return out, diags
}

// assetParamCustomer is the asset parameter holding the Microsoft customer ID (inferred name).
const assetParamCustomer = "customer_id"

// importsByCustomer maps each Microsoft customer (lower case) to the addresses of the subscriptions
// the spec imports for it.
func importsByCustomer(spec []model.Instance) map[string][]string {
	out := map[string][]string{}
	for _, in := range spec {
		if in.ImportID == "" || in.Subscription == nil {
			continue
		}
		k := strings.ToLower(in.Subscription.CustomerID)
		out[k] = append(out[k], string(in.Addr))
	}
	return out
}

// readValues reads the configuration values of every skip list.
func (p *Provider) readValues(ctx context.Context, reqs []providers.ReadRequest) (map[model.Addr]providers.Live, hcl.Diagnostics) {
	byProduct := map[string][]providers.ReadRequest{}
	var order []string
	for _, r := range reqs {
		sl := r.Instance.SkipList
		if sl == nil {
			continue
		}
		if _, ok := byProduct[sl.Product]; !ok {
			order = append(order, sl.Product)
		}
		byProduct[sl.Product] = append(byProduct[sl.Product], r)
	}
	out := make(map[model.Addr]providers.Live, len(reqs))
	var diags hcl.Diagnostics
	for _, product := range order {
		rows, err := p.c.ListConfigurations(ctx, product)
		if err != nil {
			var addrs []model.Addr
			for _, r := range byProduct[product] {
				addrs = append(addrs, r.Instance.Addr)
			}
			subject := byProduct[product][0].Instance.DeclRange
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Cannot read the configurations of Connect product " + product,
				Detail:  err.Error(), Subject: &subject, Extra: providers.Unreadable{Addrs: addrs}})
			continue
		}
		for _, r := range byProduct[product] {
			out[r.Instance.Addr] = match(rows, r.Instance.SkipList)
		}
	}
	return out, diags
}

func match(rows []Configuration, sl *model.SkipList) *Live {
	for _, row := range rows {
		if !row.Parameter.Is(sl.Parameter) || row.Marketplace == nil || row.Marketplace.ID != sl.Marketplace || row.Item != nil {
			continue
		}
		l := &Live{Found: true}
		if row.Value != nil {
			l.Value = *row.Value
		}
		return l
	}
	return &Live{}
}

// writeParams is the payload of the write step.
type writeParams struct {
	Product     string   `json:"product"`
	Marketplace string   `json:"marketplace"`
	Parameter   string   `json:"parameter"`
	Add         []string `json:"add,omitempty"`
	Remove      []string `json:"remove,omitempty"`
	// Added is what state records as ferry's entries once the step succeeded.
	Added []string `json:"added"`
}

func splitList(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// Plan appends each desired entry missing from the value and removes each entry ferry added that
// the spec no longer lists; every other entry is left alone.
func (p *Provider) Plan(desired model.Instance, prior *state.Resource, live providers.Live) (model.Change, hcl.Diagnostics) {
	sl := desired.SkipList
	l, _ := live.(*Live)
	if l == nil {
		l = &Live{}
	}
	var priorAdded []string
	if prior != nil {
		priorAdded = splitList(prior.Attributes[AttrAdded])
	}
	var add, remove, added []string
	for _, e := range priorAdded {
		switch {
		case !slices.Contains(sl.Entries, e):
			if Has(l.Value, e) {
				remove = append(remove, e)
			}
		case Has(l.Value, e):
			added = append(added, e)
		}
	}
	for _, e := range sl.Entries {
		if !Has(l.Value, e) {
			add = append(add, e)
			if !slices.Contains(added, e) {
				added = append(added, e)
			}
		}
	}
	var foreign []string
	for _, e := range Entries(l.Value) {
		if !slices.Contains(added, e) && !slices.Contains(remove, e) && !slices.Contains(foreign, e) {
			foreign = append(foreign, e)
		}
	}
	where := fmt.Sprintf("%s of %s in %s", sl.Parameter, sl.Product, sl.Marketplace)
	st := &state.Resource{Addr: string(desired.Addr), Kind: desired.Kind, Provider: Name, Status: state.StatusDone,
		RemoteIDs:  map[string]string{"product_id": sl.Product, "marketplace_id": sl.Marketplace, "parameter_id": sl.Parameter},
		Attributes: map[string]string{AttrAdded: strings.Join(added, ","), AttrValue: Append(l.Value, add...)}}
	for _, e := range remove {
		st.Attributes[AttrValue] = Remove(st.Attributes[AttrValue], e)
	}
	var details []model.Detail
	for _, e := range add {
		details = append(details, model.Detail{Name: "+ " + e, New: "append"})
	}
	for _, e := range remove {
		details = append(details, model.Detail{Name: "- " + e, New: "remove (ferry added it)"})
	}
	if len(foreign) > 0 {
		details = append(details, model.Detail{Name: "left alone", New: leftAlone(foreign)})
	}
	if len(add) == 0 && len(remove) == 0 {
		if prior == nil {
			return model.Change{Action: model.ActionImport, Summary: "record " + where + ": every entry is already there", Details: details, State: st}, nil
		}
		return model.Change{Action: model.ActionNoop, Summary: where + " holds every entry"}, nil
	}
	if n := len(st.Attributes[AttrValue]); n > MaxValueLen {
		return model.Change{Action: model.ActionBlocked, Summary: where + " cannot take the entries",
			Reasons: []string{fmt.Sprintf("the value would be %d characters long with the new entries; Connect accepts at most %d (value maxLength in its API)", n, MaxValueLen)}}, nil
	}
	diags := warnings(desired, l, add)
	params, _ := json.Marshal(writeParams{Product: sl.Product, Marketplace: sl.Marketplace, Parameter: sl.Parameter,
		Add: add, Remove: remove, Added: added})
	action := model.ActionUpdate
	if prior == nil {
		action = model.ActionCreate
	}
	summary := changeSummary(len(add), len(remove), where)
	if !l.Found {
		summary += " (no value set yet)"
	}
	return model.Change{Action: action, Summary: summary, Details: details, State: st,
		Steps: []model.Step{{Addr: desired.Addr, Provider: Name, Name: stepWrite, Mutating: true, Attempt: nextAttempt(prior),
			Description: "writing " + where, Params: params}}}, diags
}

// changeSummary says what a write does to the list at where: "append 2 entries to …", "remove 1
// entry from …", or "append 2 entries to, and remove 1 entry from, …".
func changeSummary(add, remove int, where string) string {
	appendPart := fmt.Sprintf("append %d %s to", add, plural(add, "entry", "entries"))
	removePart := fmt.Sprintf("remove %d %s from", remove, plural(remove, "entry", "entries"))
	switch {
	case add > 0 && remove > 0:
		return fmt.Sprintf("%s, and %s, %s", appendPart, removePart, where)
	case remove > 0:
		return removePart + " " + where
	default:
		return appendPart + " " + where
	}
}

// warnings are the skip list's plan-time warnings about entries it adds; none blocks the apply.
func warnings(desired model.Instance, l *Live, add []string) hcl.Diagnostics {
	if len(add) == 0 {
		return nil
	}
	sl := desired.SkipList
	subject := desired.DeclRange
	var diags hcl.Diagnostics
	if len(l.OpenRequests) > 0 {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Migration requests still open",
			Detail: fmt.Sprintf("%s: %s still open (pending, inquiring, tiers_setup, draft or scheduled) for product %s in marketplace %s. CloudBlue advises checking that no other migration request is active before changing the processor skip list; the entries are added anyway.",
				desired.Addr, plural(len(l.OpenRequests), "request "+l.OpenRequests[0]+" is", "requests "+strings.Join(l.OpenRequests, ", ")+" are"), sl.Product, sl.Marketplace),
			Subject: &subject})
	}
	if l.RequestsErr != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Open migration requests not checked",
			Detail:  fmt.Sprintf("%s: the requests of product %s in marketplace %s could not be listed (%v); check in Connect that none is still open.", desired.Addr, sl.Product, sl.Marketplace, l.RequestsErr),
			Subject: &subject})
	}
	for _, e := range add {
		if addrs := l.TierImports[e]; len(addrs) > 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Customer entry while an import is planned",
				Detail: fmt.Sprintf("%s: %s is a customer (tier account) entry, and an import is planned for that customer (%s). A customer entry makes the processor skip every asset of the customer, the re-import included; list the asset IDs (AS-…) instead.",
					desired.Addr, e, strings.Join(addrs, ", ")),
				Subject: &subject})
		}
	}
	return diags
}

// nextAttempt numbers the write step: every write is a step of its own (a new idempotency key),
// except that an interrupted one (intent without outcome) keeps its attempt, so that the executor
// reconciles it first.
func nextAttempt(prior *state.Resource) int {
	if prior == nil || prior.Steps[stepWrite] == nil {
		return 1
	}
	rec := prior.Steps[stepWrite]
	if rec.Status == state.StepIntent {
		return max(rec.Attempt, 1)
	}
	return rec.Attempt + 1
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// current reads the value of one skip list now.
func (p *Provider) current(ctx context.Context, wp writeParams) (string, error) {
	value, _, err := p.currentWithID(ctx, wp)
	return value, err
}

// currentWithID reads the value of one skip list now and the "PRM-…" id of its parameter, taken
// from any configuration row of that parameter ("" when no row names it).
func (p *Provider) currentWithID(ctx context.Context, wp writeParams) (value, paramID string, err error) {
	rows, err := p.c.ListConfigurations(ctx, wp.Product)
	if err != nil {
		return "", "", err
	}
	for _, row := range rows {
		if row.Parameter.Is(wp.Parameter) && row.Parameter.ID != "" {
			paramID = row.Parameter.ID
			break
		}
	}
	return match(rows, &model.SkipList{Product: wp.Product, Marketplace: wp.Marketplace, Parameter: wp.Parameter}).Value, paramID, nil
}

// parameterID is the "PRM-…" id a write names: Connect's POST takes the parameter by id, never by
// name. It comes from the configuration rows, or else from the product's parameters by name.
func (p *Provider) parameterID(ctx context.Context, wp writeParams, fromRows string) (string, error) {
	if fromRows != "" {
		return fromRows, nil
	}
	id, err := p.c.ParameterID(ctx, wp.Product, wp.Parameter)
	if err != nil {
		return "", fmt.Errorf("looking up parameter %s of %s: %w", wp.Parameter, wp.Product, err)
	}
	if id == "" {
		return "", fmt.Errorf("Connect product %s has no parameter named %s", wp.Product, wp.Parameter)
	}
	return id, nil
}

// done reports whether value holds what the step wanted.
func (wp writeParams) done(value string) bool {
	for _, e := range wp.Add {
		if !Has(value, e) {
			return false
		}
	}
	for _, e := range wp.Remove {
		if Has(value, e) {
			return false
		}
	}
	return true
}

func (wp writeParams) outcome(value string) model.Outcome {
	return model.Outcome{Status: state.StatusDone,
		RemoteIDs:  map[string]string{"product_id": wp.Product, "marketplace_id": wp.Marketplace, "parameter_id": wp.Parameter},
		Attributes: map[string]string{AttrAdded: strings.Join(wp.Added, ","), AttrValue: value}}
}

// Do re-reads the value right before writing and merges into it (an entry someone else added since
// the plan is kept), posts the result, and verifies it by reading it back.
func (p *Provider) Do(ctx context.Context, step model.Step, key string, progress func(model.Event)) (model.Outcome, error) {
	var wp writeParams
	if err := json.Unmarshal(step.Params, &wp); err != nil {
		return model.Outcome{}, fmt.Errorf("step params: %w", err)
	}
	value, fromRows, err := p.currentWithID(ctx, wp)
	if err != nil {
		return model.Outcome{}, err
	}
	next := Append(value, wp.Add...)
	for _, e := range wp.Remove {
		next = Remove(next, e)
	}
	if next != value {
		if len(next) > MaxValueLen {
			return model.Outcome{}, fmt.Errorf("the new value of %s would be %d characters long; Connect accepts at most %d", wp.Parameter, len(next), MaxValueLen)
		}
		paramID, err := p.parameterID(ctx, wp, fromRows)
		if err != nil {
			return model.Outcome{}, err
		}
		body := SetConfiguration{Parameter: Ref{ID: paramID}, Marketplace: Ref{ID: wp.Marketplace}, Value: &next}
		if next == "" {
			body.Value = nil // a POST without value clears it
		}
		if err := p.c.SetConfiguration(ctx, wp.Product, body); err != nil {
			return model.Outcome{}, err
		}
	}
	back, err := p.current(ctx, wp)
	if err != nil {
		return model.Outcome{}, fmt.Errorf("%w: reading the value back: %v", model.ErrOutcomeUnknown, err)
	}
	if !wp.done(back) {
		return model.Outcome{}, fmt.Errorf("%w: Connect accepted the new value of %s but reading it back gives %q", model.ErrOutcomeUnknown, wp.Parameter, back)
	}
	return wp.outcome(back), nil
}

// Reconcile re-reads the value: the write is idempotent by content, so it is found when the value
// already holds what the step wanted.
func (p *Provider) Reconcile(ctx context.Context, step model.Step, key string) (model.Outcome, bool, error) {
	var wp writeParams
	if err := json.Unmarshal(step.Params, &wp); err != nil {
		return model.Outcome{}, false, fmt.Errorf("step params: %w", err)
	}
	value, err := p.current(ctx, wp)
	if err != nil {
		return model.Outcome{}, false, err
	}
	if !wp.done(value) {
		return model.Outcome{}, false, nil
	}
	return wp.outcome(value), true, nil
}

var _ providers.Provider = (*Provider)(nil)

// OpenProvider is Open as the provider table's Open.
func OpenProvider(ctx context.Context, cfg providers.Config, env providers.Env) (providers.Provider, error) {
	p, err := Open(ctx, cfg, env)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// maxLeftAlone is how many of the entries ferry did not add a plan names: a skip list of thousands
// of entries made one line of the plan hundreds of kilobytes long.
const maxLeftAlone = 20

// leftAlone says which entries of the remote list ferry leaves alone: the first maxLeftAlone, then
// how many more.
func leftAlone(foreign []string) string {
	if len(foreign) <= maxLeftAlone {
		return strings.Join(foreign, ", ") + " (not added by ferry)"
	}
	return fmt.Sprintf("%s and %d more (%d entries not added by ferry)", strings.Join(foreign[:maxLeftAlone], ", "),
		len(foreign)-maxLeftAlone, len(foreign))
}
