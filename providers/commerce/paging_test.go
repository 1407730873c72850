package commerce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/ferry-dev/ferry/model"
)

// apsPages serves the fixture files as the pages of one APS collection: each answer carries
// "Content-Range: items a-b/total" as the APS controller writes it, and the server cuts every page
// to the fixture's rows whatever limit() asks for. It records the RQL queries it was sent.
type apsPages struct {
	mu      sync.Mutex
	queries []string
}

func (p *apsPages) serve(t *testing.T, path string, files ...string) *httptest.Server {
	t.Helper()
	var pages [][]byte
	var sizes []int
	for _, f := range files {
		b, err := os.ReadFile("testdata/" + f)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, b)
		sizes = append(sizes, strings.Count(string(b), `"orderId"`)+strings.Count(string(b), `"vendorSubscriptionId"`))
	}
	total := 0
	for _, n := range sizes {
		total += n
	}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, _ := url.QueryUnescape(r.URL.RawQuery)
		p.mu.Lock()
		p.queries = append(p.queries, q)
		p.mu.Unlock()
		if r.URL.Path != path {
			t.Errorf("GET %s, want %s", r.URL.Path, path)
		}
		first := 0
		for i, n := range sizes {
			if strings.Contains(q, fmt.Sprintf("limit(%d,", first)) {
				w.Header().Set("Content-Range", fmt.Sprintf("items %d-%d/%d", first, first+n-1, total))
				_, _ = w.Write(pages[i])
				return
			}
			first += n
		}
		w.Header().Set("Content-Range", fmt.Sprintf("items 0-0/%d", total))
		_, _ = w.Write([]byte(`[]`))
	}))
}

// The order list is paged by the APS controller: ferry reads every page, taking the next offset
// from Content-Range (the server cut the page to 2 rows although ferry asked for 100), and returns
// them oldest first (by creationTime). A client that
// read one page lost the third order, and reconcile would have placed it again.
func TestListOrdersReadsEveryPage(t *testing.T) {
	var p apsPages
	hs := p.serve(t, pathOrders, "orders_page1.json", "orders_page2.json")
	defer hs.Close()
	orders, err := NewClient(hs.URL, "tok", nil).ListOrders(context.Background(), "1000048")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range orders {
		ids = append(ids, o.OrderID)
	}
	if got := strings.Join(ids, ","); got != "f0817852-282c-4047-a4d3-f6501939d5a6,5d2e7a10-93b4-4c1f-a6e8-2b7c0d9f4e31,0b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d" {
		t.Errorf("orders %s", got)
	}
	want := []string{"eq(accountId,1000048)&limit(0,100)", "eq(accountId,1000048)&limit(2,100)"}
	if strings.Join(p.queries, " ") != strings.Join(want, " ") {
		t.Errorf("queries %q, want %q", p.queries, want)
	}
}

// A server that ignores limit() and sends no Content-Range answers the whole list every time:
// ferry stops when a page brings nothing new, and keeps each row once.
func TestListSubscriptionsServerIgnoringLimit(t *testing.T) {
	var calls int
	var rows []string
	for i := range pageSize {
		rows = append(rows, fmt.Sprintf(`{"id": "%d", "accountId": "1000048", "planId": "p", "status": "ACTIVE"}`, 1000000+i))
	}
	body := "[" + strings.Join(rows, ",") + "]"
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		_, _ = w.Write([]byte(body))
	}))
	defer hs.Close()
	subs, err := NewClient(hs.URL, "tok", nil).ListSubscriptions(context.Background(), "1000048")
	if err != nil || len(subs) != pageSize || calls != 2 {
		t.Errorf("%d subscriptions after %d calls, err %v; want %d after 2", len(subs), calls, err, pageSize)
	}
}

// The APS controller's own error answer names the exception in "error", not "type".
func TestAPSControllerErrorBody(t *testing.T) {
	b, err := os.ReadFile("testdata/error_aps_controller.json")
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write(b)
	}))
	defer hs.Close()
	_, err = NewClient(hs.URL, "tok", nil).GetOrder(context.Background(), "f0817852-282c-4047-a4d3-f6501939d5a6")
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 403 || ae.Message != "APS::Util::AuthenticationFailed: Authentication Failed" {
		t.Errorf("err = %v", err)
	}
}

// An order under way is named by its provisioningStatus, what ferry waits on: the documented
// fixture says status COMPLETED while provisioning goes on, and an answer may carry no status at all
// (the plan read "wait for sales order … ()").
func TestOrderProgressNamesProvisioning(t *testing.T) {
	b, err := os.ReadFile("testdata/order_provisioning.json")
	if err != nil {
		t.Fatal(err)
	}
	var o Order
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatal(err)
	}
	if got := o.Progress(); got != "provisioning" {
		t.Errorf("progress %q, want provisioning", got)
	}
	o.Status, o.ProvisioningStatus = "", ""
	if got := o.Progress(); got != "under way" {
		t.Errorf("progress %q without either, want under way", got)
	}
}

// The order list's own order is not documented: a server that lists the newest order first (here a
// migration order under way, then the older failed attempt) must not make ferry take the failed
// attempt as the migration's order, and plan a third. ListOrders returns the orders oldest first,
// by creationTime.
func TestListOrdersOldestFirstWhateverTheServerOrder(t *testing.T) {
	b, err := os.ReadFile("testdata/orders_newest_first.json")
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Range", "items 0-1/2")
		_, _ = w.Write(b)
	}))
	defer hs.Close()
	orders, err := NewClient(hs.URL, "tok", nil).ListOrders(context.Background(), "1000048")
	if err != nil || len(orders) != 2 {
		t.Fatalf("%d orders, err %v", len(orders), err)
	}
	if orders[0].OrderNumber != "SO000019" || orders[1].OrderNumber != "SO000024" {
		t.Errorf("orders %s, %s; want SO000019 then SO000024", orders[0].OrderNumber, orders[1].OrderNumber)
	}
	s := &model.Subscription{MigrateFrom: "11111111-aaaa-4aaa-8aaa-000000000001", Commerce: &model.CommerceOptions{SourceSubscriptionID: "1000122"}}
	if l := liveOf(s, &accountData{orders: orders}); l.Sales == nil || l.Sales.OrderNumber != "SO000024" || l.Sales.Failed() {
		t.Errorf("the migration's sales order is %+v, want SO000024 under way", l.Sales)
	}
}

// Without creationTime, the order number says which order came first.
func TestSortOldestFirstByOrderNumber(t *testing.T) {
	orders := []Order{{OrderNumber: "SO000100"}, {OrderNumber: "SO000024"}, {OrderNumber: "SO000099"}}
	SortOldestFirst(orders)
	if orders[0].OrderNumber != "SO000024" || orders[1].OrderNumber != "SO000099" || orders[2].OrderNumber != "SO000100" {
		t.Errorf("orders %+v", orders)
	}
	mixed := []Order{{OrderID: "b", CreationTime: "2026-11-30T11:00:00+0000"}, {OrderID: "a", CreationTime: "2026-11-30T10:00:00Z"}}
	SortOldestFirst(mixed)
	if mixed[0].OrderID != "a" {
		t.Errorf("orders %+v, want a first", mixed)
	}
}
