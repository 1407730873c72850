package connect

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ferry-dev/ferry/providers/simkit"
)

// SimAsset is an asset as Connect lists it (the fields the sandbox keeps).
type SimAsset struct {
	ID          string     `json:"id"`
	Status      string     `json:"status"`
	Product     SimRef     `json:"product"`
	Marketplace SimRef     `json:"marketplace"`
	Tiers       *SimTiers  `json:"tiers,omitempty"`
	Params      []SimParam `json:"params,omitempty"`
}

// SimTiers are an asset's tier accounts: customer is the end customer (TA-…).
type SimTiers struct {
	Customer SimRef `json:"customer"`
}

// SimParam is one asset parameter (fulfilment or ordering) with its value.
type SimParam struct {
	ID    string `json:"id"`
	Value string `json:"value"`
}

// SimRequest is a fulfilment request as Connect lists it.
type SimRequest struct {
	ID      string   `json:"id"`
	Type    string   `json:"type"`
	Status  string   `json:"status"`
	Created string   `json:"created,omitempty"`
	Asset   SimAsset `json:"asset"`
}

// SimFulfilment names where the sandbox's linked fulfilments create assets: the Microsoft NCE
// product and marketplace (sandbox-only; Connect has no such object).
type SimFulfilment struct {
	Product     string `json:"product"`
	Marketplace string `json:"marketplace"`
}

// Asset parameter ids the sandbox writes on a Microsoft asset (inferred: vendor-defined names).
const (
	simParamSubscription = "subscription_id"
	simParamCustomer     = "customer_id"
	simParamDomain       = "microsoft_domain"
	simParamTransaction  = "transaction_id"
)

func (a *SimAsset) param(id string) string {
	for _, p := range a.Params {
		if p.ID == id {
			return p.Value
		}
	}
	return ""
}

func (a *SimAsset) setParam(id, value string) {
	for i := range a.Params {
		if a.Params[i].ID == id {
			a.Params[i].Value = value
			return
		}
	}
	a.Params = append(a.Params, SimParam{ID: id, Value: value})
}

// requestFields are the filters GET /requests declares, with the request's values.
func requestFields(r *SimRequest) map[string]string {
	f := map[string]string{"id": r.ID, "type": r.Type, "status": r.Status, "asset.id": r.Asset.ID,
		"asset.product.id": r.Asset.Product.ID, "asset.marketplace.id": r.Asset.Marketplace.ID}
	if r.Asset.Tiers != nil {
		f["asset.tiers.customer.id"] = r.Asset.Tiers.Customer.ID
	}
	return f
}

// assetFields are the filters GET /assets declares, with the asset's values.
func assetFields(a *SimAsset) map[string]string {
	f := map[string]string{"id": a.ID, "status": a.Status, "product.id": a.Product.ID, "marketplace.id": a.Marketplace.ID}
	if a.Tiers != nil {
		f["tiers.customer.id"] = a.Tiers.Customer.ID
	}
	return f
}

// listRequests answers GET /requests: RQL on the declared fields, then one page.
func (s *Simulator) listRequests(r *http.Request) simReply {
	nodes := parseRQL(r.URL.RawQuery)
	s.mu.Lock()
	var rows []SimRequest
	for i := range s.requests {
		if matchAll(nodes, requestFields(&s.requests[i])) {
			rows = append(rows, s.requests[i])
		}
	}
	s.mu.Unlock()
	return s.page(r, rows)
}

// listAssets answers GET /assets: RQL on the declared fields, then one page.
func (s *Simulator) listAssets(r *http.Request) simReply {
	nodes := parseRQL(r.URL.RawQuery)
	s.mu.Lock()
	var rows []SimAsset
	for i := range s.assets {
		if matchAll(nodes, assetFields(&s.assets[i])) {
			rows = append(rows, s.assets[i])
		}
	}
	s.mu.Unlock()
	return s.page(r, rows)
}

// page cuts rows to limit/offset with Content-Range, as list does for configurations.
func (s *Simulator) page(r *http.Request, rows any) simReply {
	q := r.URL.Query()
	maxLimit := s.env.PageSize(simMaxLimit)
	limit, ok1 := atoiDefault(q.Get("limit"), maxLimit)
	offset, ok2 := atoiDefault(q.Get("offset"), 0)
	if !ok1 || !ok2 {
		return errReply(http.StatusBadRequest, "GEN_001", "limit and offset must be whole numbers.")
	}
	limit = min(limit, maxLimit)
	cut := func(total int) (int, int) {
		if offset >= total || limit == 0 {
			return 0, 0
		}
		return offset, min(total, offset+limit)
	}
	h := http.Header{}
	var body any
	var n, total int
	switch v := rows.(type) {
	case []SimRequest:
		total = len(v)
		a, b := cut(total)
		body, n = append([]SimRequest{}, v[a:b]...), b-a
	case []SimAsset:
		total = len(v)
		a, b := cut(total)
		body, n = append([]SimAsset{}, v[a:b]...), b-a
	}
	if n > 0 {
		h.Set("Content-Range", fmt.Sprintf("items %d-%d/%d", offset, offset+n-1, total))
	} else {
		h.Set("Content-Range", fmt.Sprintf("items 0-0/%d", total))
	}
	return simReply{status: http.StatusOK, header: h, body: body}
}

// linkSide is the simulator's part in the sandbox's simkit.Link.
type linkSide struct{ s *Simulator }

// Fulfil records an approved purchase (or change) request and its active asset for a Microsoft
// subscription. A purchase of a subscription that already has an active asset (an adoption of a
// subscription Connect kept) reuses that asset.
func (l linkSide) Fulfil(f simkit.LinkFulfilment) (string, error) {
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fulfilment.Product == "" {
		return "", simkit.ErrNotInWorld
	}
	var asset *SimAsset
	if f.Type == "change" && f.Replaces != "" {
		asset = s.activeAsset(f.Replaces)
	}
	if asset == nil {
		asset = s.activeAsset(f.SubscriptionID)
		if asset != nil && f.Type == "purchase" {
			return asset.ID, nil
		}
	}
	typ := f.Type
	if asset == nil {
		typ = "purchase"
		s.assets = append(s.assets, SimAsset{ID: s.newAssetID(), Status: "active",
			Product: SimRef{ID: s.fulfilment.Product}, Marketplace: SimRef{ID: s.fulfilment.Marketplace}})
		asset = &s.assets[len(s.assets)-1]
		if ta := s.tierOf(f.CustomerID); ta != "" {
			asset.Tiers = &SimTiers{Customer: SimRef{ID: ta}}
		}
	}
	asset.setParam(simParamSubscription, f.SubscriptionID)
	asset.setParam(simParamCustomer, f.CustomerID)
	if f.MicrosoftDomain != "" {
		asset.setParam(simParamDomain, f.MicrosoftDomain)
	}
	asset.setParam(simParamTransaction, f.TransactionID)
	s.addRequest(typ, *asset)
	return asset.ID, nil
}

// Terminate terminates the active asset of a Microsoft subscription with an approved cancel request.
func (l linkSide) Terminate(subscriptionID, _ string) error {
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	asset := s.activeAsset(subscriptionID)
	if asset == nil {
		return nil
	}
	asset.Status = "terminated"
	s.addRequest("cancel", *asset)
	return nil
}

// activeAsset is the active asset whose subscription_id parameter is id (s.mu held).
func (s *Simulator) activeAsset(id string) *SimAsset {
	for i := range s.assets {
		if s.assets[i].Status == "active" && strings.EqualFold(s.assets[i].param(simParamSubscription), id) {
			return &s.assets[i]
		}
	}
	return nil
}

// tierOf is the customer tier account of the Microsoft customer, from its other assets (s.mu held).
func (s *Simulator) tierOf(customerID string) string {
	for _, a := range s.assets {
		if a.Tiers != nil && strings.EqualFold(a.param(simParamCustomer), customerID) {
			return a.Tiers.Customer.ID
		}
	}
	return ""
}

func (s *Simulator) addRequest(typ string, asset SimAsset) {
	asset.Params = slices.Clone(asset.Params)
	s.requests = append(s.requests, SimRequest{ID: fmt.Sprintf("%s-%03d", strings.Replace(asset.ID, "AS-", "PR-", 1), s.countRequests(asset.ID)+1),
		Type: typ, Status: "approved", Created: s.env.Now().UTC().Format(time.RFC3339), Asset: asset})
}

func (s *Simulator) countRequests(assetID string) int {
	n := 0
	for _, r := range s.requests {
		if r.Asset.ID == assetID {
			n++
		}
	}
	return n
}

// newAssetID makes the next AS-####-####-#### ID (s.mu held).
func (s *Simulator) newAssetID() string {
	for {
		s.nextAsset++
		n := 9000_0000_0000 + s.nextAsset
		id := fmt.Sprintf("AS-%04d-%04d-%04d", n/1_0000_0000, n/1_0000%1_0000, n%1_0000)
		if !slices.ContainsFunc(s.assets, func(a SimAsset) bool { return a.ID == id }) {
			return id
		}
	}
}

// validate checks the world's assets and requests.
func validateAssets(assets []SimAsset, requests []SimRequest) error {
	for i, a := range assets {
		if !assetIDPattern.MatchString(a.ID) {
			return fmt.Errorf("connect.assets[%d].id: %q is not AS-####-####-####", i, a.ID)
		}
	}
	for i, r := range requests {
		if r.ID == "" || r.Status == "" {
			return fmt.Errorf("connect.requests[%d]: id and status are required", i)
		}
	}
	return nil
}

var assetIDPattern = regexp.MustCompile(`^AS-\d{4}-\d{4}-\d{4}$`)
