package partnercenter

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/state"
)

// customerRead is the work of Read for one customer: the instances whose legacy subscription lives
// there (main) and the instances whose import target lives there (imports).
type customerRead struct {
	id      string
	main    []int
	imports []int

	view *customerView
	err  error
}

// Read fetches the live objects of many subscription instances. It groups them by customer and
// makes, per customer, exactly one ListSubscriptions call; at most one ListMigrations call, only
// when some instance needs migration history (a step in flight or failed in state, or a legacy
// subscription that is not active and has no successor, or an ineligible validation that may be
// explained by a migration in flight); and one ValidateMigration per instance that would be
// migrated now. A customer that cannot be read produces error diagnostics for its own instances
// only. A legacy subscription that does not exist is not an error here: Plan blocks it.
func (p *Provider) Read(ctx context.Context, reqs []providers.ReadRequest) (map[model.Addr]providers.Live, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	out := make(map[model.Addr]providers.Live, len(reqs))
	customers := map[string]*customerRead{}
	var order []*customerRead
	group := func(id string) *customerRead {
		k := strings.ToLower(id)
		c, ok := customers[k]
		if !ok {
			c = &customerRead{id: id}
			customers[k] = c
			order = append(order, c)
		}
		return c
	}
	importIDs := make([][2]string, len(reqs))
	valid := make([]bool, len(reqs))
	for i, r := range reqs {
		if d := checkInstance(r.Instance); d != nil {
			diags = append(diags, d)
			continue
		}
		if r.Instance.ImportID != "" {
			cust, sub, err := ParseImportID(r.Instance.ImportID)
			if err != nil {
				diags = append(diags, importIDDiag(r.Instance, err))
				continue
			}
			importIDs[i] = [2]string{cust, sub}
		}
		valid[i] = true
		c := group(r.Instance.Subscription.CustomerID)
		c.main = append(c.main, i)
		if ids := importIDs[i]; ids[0] != "" {
			c := group(ids[0])
			c.imports = append(c.imports, i)
		}
	}

	lives := make([]*Live, len(reqs))
	perCustomer := make([]hcl.Diagnostics, len(order))
	var wg sync.WaitGroup
	sem := make(chan struct{}, p.readParallelism())
	for ci, c := range order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			perCustomer[ci] = p.readCustomer(ctx, c, reqs, lives)
		}()
	}
	wg.Wait()
	for _, d := range perCustomer {
		diags = append(diags, d...)
	}

	for i, r := range reqs {
		if !valid[i] || lives[i] == nil {
			continue
		}
		l := lives[i]
		if ids := importIDs[i]; ids[0] != "" && l.ReadErr == nil {
			c := customers[strings.ToLower(ids[0])]
			if c.err != nil {
				l.ReadErr = fmt.Errorf("reading customer %s of the import ID: %w", ids[0], c.err)
				diags = append(diags, instanceReadDiag(r.Instance, l.ReadErr))
				out[r.Instance.Addr] = l
				continue
			}
			l.ImportCustomerID, l.ImportSubscriptionID = ids[0], ids[1]
			l.ImportTarget = c.view.get(ids[1])
		}
		out[r.Instance.Addr] = l
	}
	return out, diags
}

func (p *Provider) readParallelism() int {
	if p.ReadParallelism > 0 {
		return p.ReadParallelism
	}
	return defaultReadParallelism
}

// readCustomer lists one customer's subscriptions (and, when needed, migrations), validates the
// instances that would be migrated now and stores their Live in lives. It returns the diagnostics
// of this customer's instances.
func (p *Provider) readCustomer(ctx context.Context, c *customerRead, reqs []providers.ReadRequest, lives []*Live) hcl.Diagnostics {
	var diags hcl.Diagnostics
	subs, err := p.client.ListSubscriptions(ctx, c.id)
	if err != nil {
		c.err = fmt.Errorf("listing subscriptions: %w", err)
		return c.unreadable(reqs, lives, c.err)
	}
	c.view = newCustomerView(subs)
	if len(c.main) == 0 {
		return nil
	}

	readHistory := func() error {
		ms, err := p.client.ListMigrations(ctx, MigrationQuery{CustomerTenantID: c.id})
		if err != nil {
			return fmt.Errorf("listing migrations: %w", err)
		}
		c.view.setMigrations(ms)
		return nil
	}
	for _, i := range c.main {
		if needsHistory(reqs[i], c.view) {
			if err := readHistory(); err != nil {
				c.err = err
				return c.unreadable(reqs, lives, err)
			}
			break
		}
	}

	for _, i := range c.main {
		if scheduleRelevant(reqs[i]) {
			ss, err := p.client.ListSchedules(ctx, ScheduleQuery{CustomerTenantID: c.id})
			if err != nil {
				c.err = fmt.Errorf("listing migration schedules: %w", err)
				return c.unreadable(reqs, lives, c.err)
			}
			c.view.setSchedules(ss)
			break
		}
	}

	ineligible := false
	failed := map[int]bool{}
	validations := map[int]*ValidationResult{}
	requests := map[int]*MigrationRequest{}
	// The Live built here is the one returned, unless the history is read below (it then changes).
	firstLives := make([]*Live, len(c.main))
	historyRead := c.view.historyRead
	for j, i := range c.main {
		inst := reqs[i].Instance
		l := c.view.live(c.id, inst.Subscription.MigrateFrom)
		firstLives[j] = l
		if !wouldMigrate(l, inst.Subscription) {
			continue
		}
		req := buildRequest(inst.Subscription, l)
		v, err := p.client.ValidateMigration(ctx, c.id, req)
		if err != nil {
			// Blocked with the reason; the other instances are planned as usual.
			failed[i] = true
			lives[i] = &Live{CustomerID: c.id, ReadErr: fmt.Errorf("the eligibility check of legacy subscription %s failed: %w", inst.Subscription.MigrateFrom, err)}
			diags = append(diags, instanceReadDiag(inst, lives[i].ReadErr))
			continue
		}
		validations[i], requests[i] = v, &req
		if !v.IsEligible {
			ineligible = true
		}
	}
	// An ineligible answer may be explained by a migration already in flight (started by an earlier
	// run whose state was lost, or outside ferry): read the history once so Plan can wait for it.
	if ineligible && !c.view.historyRead {
		if err := readHistory(); err != nil {
			p.logf("partnercenter: customer %s: %v (eligibility errors are reported as they are)", c.id, err)
		}
	}
	for j, i := range c.main {
		if failed[i] {
			continue
		}
		l := firstLives[j]
		if c.view.historyRead != historyRead {
			l = c.view.live(c.id, reqs[i].Instance.Subscription.MigrateFrom)
		}
		l.Validation, l.Request = validations[i], requests[i]
		lives[i] = l
	}
	return diags
}

// needsHistory reports whether planning the instance needs the customer's migrations.
func needsHistory(r providers.ReadRequest, v *customerView) bool {
	if priorUnsettled(r.Prior) {
		return true
	}
	k := strings.ToLower(r.Instance.Subscription.MigrateFrom)
	if _, migrated := v.successorOf[k]; migrated {
		// Migrated, and the state does not record it: the migration record says who started it
		// (ferry, or Microsoft at term end) and what it migrated, compared with the spec.
		return r.Prior == nil || r.Prior.Status != StatusMigrated
	}
	legacy := v.byID[k] // read only: no copy
	return legacy == nil || !isActive(legacy.Status)
}

// priorUnsettled reports whether the state shows work in flight or failed for the instance.
func priorUnsettled(prior *state.Resource) bool {
	if prior == nil {
		return false
	}
	switch prior.Status {
	case state.StatusInProgress, state.StatusFailed, StatusMigrating, StatusScheduled:
		return true
	case StatusMigrated:
		if incompleteEntry(prior) {
			return true // repaired from the migration history (see Plan)
		}
	}
	for _, s := range prior.Steps {
		if s != nil && s.Status != state.StepDone {
			return true
		}
	}
	return false
}

// wouldMigrate reports whether a migration would be started now, so its eligibility must be checked:
// the legacy subscription is active, has no successor and no migration in flight or completed, and
// every add-on of the spec is an add-on of it.
func wouldMigrate(l *Live, s *model.Subscription) bool {
	if l.Legacy == nil || !isActive(l.Legacy.Status) || l.Successor != nil {
		return false
	}
	if m := l.LatestMigration(); m != nil && (m.Status == MigrationProcessing || m.Status == MigrationCompleted) {
		return false
	}
	if s.Schedule != nil && l.pendingSchedule() != nil {
		return false // scheduled already: nothing is sent now
	}
	for _, a := range s.Addons {
		if l.addon(a.MigrateFrom) == nil {
			return false
		}
	}
	return true
}

// checkInstance returns a diagnostic when the instance is not one this provider manages.
func checkInstance(inst model.Instance) *hcl.Diagnostic {
	if inst.Kind != model.KindSubscription || inst.Subscription == nil {
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Not a Partner Center subscription",
			Detail:   fmt.Sprintf("%s is a %q block; the partnercenter provider manages only subscription blocks.", inst.Addr, inst.Kind),
			Subject:  rangePtr(inst.DeclRange),
		}
	}
	if v := inst.Subscription.Via; v != "" && v != ProviderName {
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Subscription is not placed through Partner Center",
			Detail:   fmt.Sprintf("%s has via = %q; the partnercenter provider manages only via = %q.", inst.Addr, v, ProviderName),
			Subject:  rangePtr(inst.DeclRange),
		}
	}
	return nil
}

// ParseImportID splits an import ID "<customer_id>/<subscription_id>".
func ParseImportID(id string) (customerID, subscriptionID string, err error) {
	c, s, ok := strings.Cut(strings.TrimSpace(id), "/")
	if !ok || c == "" || s == "" || strings.Contains(s, "/") {
		return "", "", fmt.Errorf("import ID %q is not of the form <customer_id>/<subscription_id>", id)
	}
	return c, s, nil
}

func importIDDiag(inst model.Instance, err error) *hcl.Diagnostic {
	r := inst.ImportRange
	if r.Filename == "" {
		r = inst.DeclRange
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid Partner Center import ID",
		Detail:   fmt.Sprintf("%s: %v, e.g. \"0f3c…-customer-guid/9a1b…-subscription-guid\".", inst.Addr, err),
		Subject:  rangePtr(r),
	}
}

// unreadable records that the customer could not be read: each of its instances gets a Live that
// carries the error and the customer gets one error diagnostic marked providers.Unreadable, so the
// planner leaves its instances out (the plan fails) while the other customers' instances are planned
// and applied as usual.
func (c *customerRead) unreadable(reqs []providers.ReadRequest, lives []*Live, err error) hcl.Diagnostics {
	if len(c.main) == 0 {
		return nil
	}
	addrs := make([]model.Addr, 0, len(c.main))
	for _, i := range c.main {
		lives[i] = &Live{CustomerID: c.id, ReadErr: err}
		addrs = append(addrs, reqs[i].Instance.Addr)
	}
	return hcl.Diagnostics{readDiag(reqs[c.main[0]].Instance, c.id, addrs, err)}
}

func readDiag(inst model.Instance, customerID string, addrs []model.Addr, err error) *hcl.Diagnostic {
	summary := "Cannot read Partner Center customer"
	detail := fmt.Sprintf("Reading customer %s failed: %v. Its %d instance(s), %s among them, are not planned; the others are planned as usual. "+
		"Check the credentials and the customer_id, then plan again.", customerID, err, len(addrs), inst.Addr)
	if IsNotFound(err) {
		summary = "Partner Center customer not found"
		detail = fmt.Sprintf("Customer %s (customer_id of %s) does not exist or is not a customer of this partner: %v. "+
			"Its %d instance(s) are not planned; the others are planned as usual.", customerID, inst.Addr, err, len(addrs))
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: rangePtr(inst.DeclRange),
		Extra: providers.Unreadable{Addrs: addrs}}
}

// instanceReadDiag is the error of one instance whose live objects could not be read.
func instanceReadDiag(inst model.Instance, err error) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Cannot read from Partner Center",
		Detail:   fmt.Sprintf("%s: %v. It is not planned; plan again once Partner Center answers.", inst.Addr, err),
		Subject:  rangePtr(inst.DeclRange),
		Extra:    providers.Unreadable{Addrs: []model.Addr{inst.Addr}},
	}
}

func rangePtr(r hcl.Range) *hcl.Range {
	if r.Filename == "" && r.Start.Line == 0 {
		return nil
	}
	return &r
}

// CheckImportID checks the ID of `ferry import` for a Partner Center subscription.
func CheckImportID(id string) error {
	// ParseImportID's error already names the form wanted.
	_, _, err := ParseImportID(id)
	return err
}
