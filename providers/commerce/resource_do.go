package commerce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/state"
)

func decodeParams(step model.Step) (StepParams, error) {
	var p StepParams
	if err := json.Unmarshal(step.Params, &p); err != nil {
		return p, fmt.Errorf("%s: step params: %w", step.Name, err)
	}
	return p, nil
}

// withTransactionID sets the order's transaction_id parameter to id (SALES and CHANGE orders).
func withTransactionID(o Order, id string) Order {
	if o.Type == OrderCancellation {
		return o
	}
	o.Products = append([]OrderProduct(nil), o.Products...)
	for i := range o.Products {
		ps := append([]Parameter(nil), o.Products[i].Parameters...)
		for j := range ps {
			if ps[j].Key == ParamTransactionID {
				ps[j].Value = id
			}
		}
		o.Products[i].Parameters = ps
	}
	return o
}

// Do places an order (mutating steps) or waits for one (await_*). A migration order's
// transaction_id is the step's idempotency key: derived from the state lineage, the address, the
// step and its attempt, so a resume sends and finds the same one.
func (p *Provider) Do(ctx context.Context, step model.Step, key string, progress func(model.Event)) (model.Outcome, error) {
	params, err := decodeParams(step)
	if err != nil {
		return model.Outcome{}, err
	}
	if !step.Mutating {
		return p.await(ctx, step, params, progress)
	}
	if params.Order == nil {
		return model.Outcome{}, fmt.Errorf("%s: no order in the step", step.Name)
	}
	body := withTransactionID(*params.Order, key)
	id, err := p.client.CreateOrder(ctx, body)
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) && ae.Status/100 == 4 && ae.Status != 408 && ae.Status != 429 {
			return model.Outcome{}, fmt.Errorf("Commerce refused the %s order: %w", strings.ToLower(body.Type), err)
		}
		return model.Outcome{}, fmt.Errorf("%w: %v", model.ErrOutcomeUnknown, err)
	}
	ids := map[string]string{idName(step.Name): id}
	if body.Type != OrderCancellation {
		ids["transaction_id"] = key
	}
	if progress != nil {
		progress(model.Event{Addr: step.Addr, Step: step.Name, Message: "order " + id + " placed", RemoteIDs: ids})
	}
	return model.Outcome{RemoteIDs: ids, Status: state.StatusInProgress}, nil
}

// Reconcile finds the order an interrupted step placed: among the account's orders, a SALES or CHANGE
// order whose transaction_id is the key, or a CANCELLATION of the source subscription placed after the
// intent was journaled (a cancellation carries no ordering parameters).
func (p *Provider) Reconcile(ctx context.Context, step model.Step, key string) (model.Outcome, bool, error) {
	params, err := decodeParams(step)
	if err != nil || params.Order == nil {
		return model.Outcome{}, false, err
	}
	orders, err := p.client.ListOrders(ctx, params.AccountID)
	if err != nil {
		return model.Outcome{}, false, err
	}
	typ := params.Order.Type
	for i := len(orders) - 1; i >= 0; i-- {
		o := orders[i]
		if !strings.EqualFold(o.Type, typ) {
			continue
		}
		if typ == OrderCancellation {
			if o.SubscriptionID() != params.SourceSubscriptionID || o.Failed() {
				continue
			}
			return model.Outcome{RemoteIDs: map[string]string{idName(step.Name): o.OrderID}, Status: state.StatusInProgress}, true, nil
		}
		if o.Param(ParamTransactionID) == key {
			return model.Outcome{RemoteIDs: map[string]string{idName(step.Name): o.OrderID, "transaction_id": key}, Status: state.StatusInProgress}, true, nil
		}
	}
	return model.Outcome{}, false, nil
}

var _ providers.Settler = (*Provider)(nil)

// Settle is how long a placed order may be missing from the account's order list, which Reconcile
// reads: CloudBlue documents no idempotency for order creation (transaction_id is an ordering
// parameter for the Connect processor, not a key Commerce deduplicates by), so an interrupted order
// not found in the list is placed again only once this has passed (reconcile_settle, default 2m).
func (p *Provider) Settle(step model.Step) time.Duration {
	if !step.Mutating {
		return 0
	}
	return p.settle
}

// orderOf is the order a wait reads: the plan's, or the one its place step reported.
func orderOf(step model.Step, params StepParams) string {
	if params.OrderID != "" {
		return params.OrderID
	}
	return step.Earlier[idName(step.Name)]
}

// await polls one order until it ends (used when no watcher runs the wait).
func (p *Provider) await(ctx context.Context, step model.Step, params StepParams, progress func(model.Event)) (model.Outcome, error) {
	id := orderOf(step, params)
	if id == "" {
		return model.Outcome{}, fmt.Errorf("%s: no order to wait for", step.Name)
	}
	wait := p.first
	for {
		o, err := p.client.GetOrder(ctx, id)
		if err == nil {
			if st := p.orderStatus(step, params, o); st.Done {
				return st.Outcome, st.Err
			} else if progress != nil {
				progress(model.Event{Addr: step.Addr, Step: step.Name, Message: st.Message})
			}
		} else if ctx.Err() != nil {
			return model.Outcome{}, err
		}
		select {
		case <-ctx.Done():
			return model.Outcome{}, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, p.max)
	}
}

// orderStatus turns an order into the status of its wait.
func (p *Provider) orderStatus(step model.Step, params StepParams, o *Order) model.WaitStatus {
	ids := map[string]string{idName(step.Name): o.OrderID}
	switch {
	case o.Completed():
		out := model.Outcome{RemoteIDs: ids, Status: state.StatusInProgress}
		if params.Final {
			out.Status = state.StatusDone
		}
		if o.Type == OrderSales || o.Type == OrderChange {
			if sub := o.SubscriptionID(); sub != "" {
				out.RemoteIDs["subscription_id"] = sub
			}
			if tx := o.Param(ParamTransactionID); tx != "" {
				out.RemoteIDs["transaction_id"] = tx
			}
		}
		return model.WaitStatus{Done: true, Outcome: out}
	case o.Failed():
		msg := o.Details
		if msg == "" {
			msg = "no details"
		}
		return model.WaitStatus{Done: true, Outcome: model.Outcome{RemoteIDs: ids},
			Err: fmt.Errorf("%s order %s failed: %s", strings.ToLower(o.Type), o.OrderID, msg)}
	}
	return model.WaitStatus{Message: fmt.Sprintf("order %s %s", o.OrderID, o.Progress()), RemoteIDs: ids}
}

var _ providers.Watcher = (*Provider)(nil)

// WatchPace is 15 s backing off to 60 s (the sandbox's follows its order duration).
func (p *Provider) WatchPace() (first, max time.Duration) { return p.first, p.max }

// Status reads the orders of many waits at once: one order list per account with a due wait,
// never one GET per order.
func (p *Provider) Status(ctx context.Context, waits []model.Wait) (map[model.Addr]model.WaitStatus, error) {
	type pending struct {
		wait   model.Wait
		params StepParams
		id     string
	}
	byAccount := map[string][]pending{}
	due := map[string]bool{}
	out := map[model.Addr]model.WaitStatus{}
	for _, w := range waits {
		params, err := decodeParams(w.Step)
		id := orderOf(w.Step, params)
		if err == nil && id == "" {
			err = fmt.Errorf("%s: no order to wait for", w.Step.Name)
		}
		if err != nil {
			if w.Due {
				out[w.Addr] = model.WaitStatus{Done: true, Err: err}
			}
			continue
		}
		byAccount[params.AccountID] = append(byAccount[params.AccountID], pending{w, params, id})
		due[params.AccountID] = due[params.AccountID] || w.Due
	}
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	sem := make(chan struct{}, p.readWorkers)
	for account, group := range byAccount {
		if !due[account] {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			orders, err := p.client.ListOrders(ctx, account)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("reading the orders of account %s: %w", account, err)
				}
				return
			}
			byID := make(map[string]*Order, len(orders))
			for i := range orders {
				byID[orders[i].OrderID] = &orders[i]
			}
			local := map[model.Addr]model.WaitStatus{}
			for _, pw := range group {
				if o := byID[pw.id]; o != nil {
					local[pw.wait.Addr] = p.orderStatus(pw.wait.Step, pw.params, o)
				}
			}
			maps.Copy(out, local)
		}()
	}
	wg.Wait()
	if len(out) == 0 && firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}
