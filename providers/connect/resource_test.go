package connect

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/providers/simkit"
	"github.com/ferry-dev/ferry/state"
)

const foreign = "AS-0000-0000-0001, AS-0000-0000-0002,PR-0000-0000-0001-001 , TA-0000-0000-0001,AS-0000-0000-0003"

func instance(entries ...string) model.Instance {
	return model.Instance{Addr: "skip_list.nce", Kind: model.KindSkipList, Provider: Name,
		SkipList: &model.SkipList{Product: "PRD-183-233-565", Marketplace: "MP-65669", Parameter: "processor_skip_list", Entries: entries}}
}

func priorAdded(added string, attempt int) *state.Resource {
	return &state.Resource{Addr: "skip_list.nce", Kind: model.KindSkipList, Provider: Name, Status: state.StatusDone,
		Attributes: map[string]string{AttrAdded: added},
		Steps:      map[string]*state.StepRecord{stepWrite: {Attempt: attempt, Status: state.StepDone}}}
}

func detailNames(c model.Change) string {
	var out []string
	for _, d := range c.Details {
		out = append(out, d.Name+": "+d.New)
	}
	return strings.Join(out, "\n")
}

func params(t *testing.T, c model.Change) writeParams {
	t.Helper()
	if len(c.Steps) != 1 {
		t.Fatalf("steps = %+v", c.Steps)
	}
	var wp writeParams
	if err := json.Unmarshal(c.Steps[0].Params, &wp); err != nil {
		t.Fatal(err)
	}
	return wp
}

func TestPlanAppendsOnlyMissingEntries(t *testing.T) {
	p := &Provider{}
	c, diags := p.Plan(instance("AS-0000-0000-0002", "AS-1564-9639-4055", "PR-3590-4186-1549-001"), nil, &Live{Found: true, Value: foreign})
	if diags.HasErrors() || c.Action != model.ActionCreate {
		t.Fatalf("action = %s, %v", c.Action, diags)
	}
	d := detailNames(c)
	for _, want := range []string{"+ AS-1564-9639-4055: append", "+ PR-3590-4186-1549-001: append",
		"left alone: AS-0000-0000-0001, AS-0000-0000-0002, PR-0000-0000-0001-001, TA-0000-0000-0001, AS-0000-0000-0003"} {
		if !strings.Contains(d, want) {
			t.Errorf("details lack %q:\n%s", want, d)
		}
	}
	if strings.Contains(d, "+ AS-0000-0000-0002") {
		t.Errorf("an entry already there is added again:\n%s", d)
	}
	wp := params(t, c)
	if strings.Join(wp.Add, ",") != "AS-1564-9639-4055,PR-3590-4186-1549-001" || len(wp.Remove) != 0 ||
		strings.Join(wp.Added, ",") != "AS-1564-9639-4055,PR-3590-4186-1549-001" {
		t.Errorf("params = %+v (a foreign entry listed in the spec is never ferry's)", wp)
	}
	if got := c.State.Attributes[AttrValue]; got != foreign+",AS-1564-9639-4055,PR-3590-4186-1549-001" {
		t.Errorf("planned value = %q", got)
	}
	if c.Steps[0].Attempt != 1 {
		t.Errorf("attempt = %d", c.Steps[0].Attempt)
	}
}

func TestPlanRemovesOnlyWhatFerryAdded(t *testing.T) {
	p := &Provider{}
	live := &Live{Found: true, Value: foreign + ",AS-1564-9639-4055,PR-3590-4186-1549-001"}
	// AS-0000-0000-0002 and PR-3590… leave the spec; only PR-3590… is ferry's.
	c, _ := p.Plan(instance("AS-1564-9639-4055"), priorAdded("AS-1564-9639-4055,PR-3590-4186-1549-001", 1), live)
	if c.Action != model.ActionUpdate {
		t.Fatalf("action = %s", c.Action)
	}
	wp := params(t, c)
	if strings.Join(wp.Remove, ",") != "PR-3590-4186-1549-001" || len(wp.Add) != 0 || strings.Join(wp.Added, ",") != "AS-1564-9639-4055" {
		t.Errorf("params = %+v", wp)
	}
	if !strings.Contains(detailNames(c), "- PR-3590-4186-1549-001: remove (ferry added it)") {
		t.Errorf("details:\n%s", detailNames(c))
	}
	if !strings.HasPrefix(c.Summary, "remove 1 entry from ") {
		t.Errorf("summary = %q, want \"remove 1 entry from …\" (it said \"remove 1 entry to …\")", c.Summary)
	}
	if c.Steps[0].Attempt != 2 {
		t.Errorf("attempt = %d, want a new attempt after a done write", c.Steps[0].Attempt)
	}
	if got := c.State.Attributes[AttrValue]; got != foreign+",AS-1564-9639-4055" {
		t.Errorf("planned value = %q", got)
	}
}

func TestChangeSummary(t *testing.T) {
	for _, tc := range []struct {
		add, remove int
		want        string
	}{
		{2, 0, "append 2 entries to X"},
		{1, 0, "append 1 entry to X"},
		{0, 1, "remove 1 entry from X"},
		{1, 3, "append 1 entry to, and remove 3 entries from, X"},
	} {
		if got := changeSummary(tc.add, tc.remove, "X"); got != tc.want {
			t.Errorf("changeSummary(%d, %d) = %q, want %q", tc.add, tc.remove, got, tc.want)
		}
	}
}

func TestPlanNoopAndImport(t *testing.T) {
	p := &Provider{}
	live := &Live{Found: true, Value: foreign + ",AS-1564-9639-4055"}
	if c, _ := p.Plan(instance("AS-1564-9639-4055"), priorAdded("AS-1564-9639-4055", 1), live); c.Action != model.ActionNoop {
		t.Errorf("action = %s, want no-op", c.Action)
	}
	// Every entry already there and nothing in state: record it, with nothing added by ferry.
	c, _ := p.Plan(instance("AS-0000-0000-0001"), nil, live)
	if c.Action != model.ActionImport || len(c.Steps) != 0 || c.State.Attributes[AttrAdded] != "" {
		t.Errorf("change = %+v", c)
	}
	// An entry ferry added that someone else removed is added again when still wanted.
	c, _ = p.Plan(instance("AS-9999-9999-9999"), priorAdded("AS-9999-9999-9999", 3), &Live{Found: true, Value: foreign})
	if wp := params(t, c); c.Action != model.ActionUpdate || strings.Join(wp.Add, ",") != "AS-9999-9999-9999" || c.Steps[0].Attempt != 4 {
		t.Errorf("change = %+v, params = %+v", c, wp)
	}
	// A ferry entry no longer wanted and already gone: nothing to do.
	if c, _ := p.Plan(instance(), priorAdded("AS-9999-9999-9999", 1), &Live{Found: true, Value: foreign}); c.Action != model.ActionNoop {
		t.Errorf("action = %s", c.Action)
	}
}

func world(value string) string {
	return `{"products": {"PRD-183-233-565": {"configurations": [
		{"parameter": {"id": "PRM-183-233-565-0001", "name": "processor_skip_list", "scope": "marketplace"}, "marketplace": {"id": "MP-65669"}, "value": "` + value + `"},
		{"parameter": {"id": "PRM-183-233-565-0001", "name": "processor_skip_list", "scope": "marketplace"}, "marketplace": {"id": "MP-11111"}, "value": "AS-1111-1111-1111"}]}}}`
}

func simProvider(t *testing.T, section string, b simkit.Behaviour) (*Provider, *Simulator, *simkit.Env) {
	t.Helper()
	env := simkit.NewEnv(b)
	sim, err := NewSimulator(json.RawMessage(section), env)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(sim.Handler())
	t.Cleanup(hs.Close)
	p, err := Open(context.Background(), providers.Config{}, providers.Env{Sandbox: &providers.Sandbox{URL: hs.URL + "/x"}})
	if err != nil {
		t.Fatal(err)
	}
	p.c.base = hs.URL
	return p, sim, env
}

func simValue(s *Simulator, marketplace string) string {
	w := s.Snapshot().(SimWorld)
	for _, c := range w.Products["PRD-183-233-565"].Configurations {
		if c.Marketplace != nil && c.Marketplace.ID == marketplace && c.Value != nil {
			return *c.Value
		}
	}
	return "-"
}

// Do merges into the value read right before the write: an entry added since the plan is kept.
func TestDoMergesWithConcurrentEdit(t *testing.T) {
	p, sim, env := simProvider(t, world(foreign), simkit.Behaviour{PageSize: 1})
	inst := instance("AS-1564-9639-4055")
	live, diags := p.Read(context.Background(), []providers.ReadRequest{{Instance: inst}})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	c, _ := p.Plan(inst, nil, live[inst.Addr])
	// Someone else appends a sixth entry between plan and apply.
	sim.products["PRD-183-233-565"].Configurations[0].Value = ptr(foreign + ",AS-0000-0000-0006")
	out, err := p.Do(context.Background(), c.Steps[0], "k", func(model.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	want := foreign + ",AS-0000-0000-0006,AS-1564-9639-4055"
	if got := simValue(sim, "MP-65669"); got != want || out.Attributes[AttrValue] != want || out.Attributes[AttrAdded] != "AS-1564-9639-4055" {
		t.Errorf("value = %q, outcome = %+v", got, out)
	}
	if got := simValue(sim, "MP-11111"); got != "AS-1111-1111-1111" {
		t.Errorf("other marketplace = %q", got)
	}
	if env.Stats.Get(OpSetConfiguration) != 1 {
		t.Errorf("writes = %d", env.Stats.Get(OpSetConfiguration))
	}
	// Reconcile finds it by content; a second Do writes nothing.
	if _, found, err := p.Reconcile(context.Background(), c.Steps[0], "k"); !found || err != nil {
		t.Errorf("reconcile found=%v err=%v", found, err)
	}
	if _, err := p.Do(context.Background(), c.Steps[0], "k", func(model.Event) {}); err != nil || env.Stats.Get(OpSetConfiguration) != 1 {
		t.Errorf("second Do: %v, writes = %d", err, env.Stats.Get(OpSetConfiguration))
	}
}

// A write whose answer is lost is an unknown outcome; Reconcile then finds it done.
func TestDoLostResponse(t *testing.T) {
	p, sim, _ := simProvider(t, world(foreign), simkit.Behaviour{Faults: []simkit.Fault{{Operation: OpSetConfiguration, Status: 502, LostResponse: true, Count: 1}}})
	c, _ := p.Plan(instance("AS-1564-9639-4055"), nil, &Live{Found: true, Value: foreign})
	_, err := p.Do(context.Background(), c.Steps[0], "k", func(model.Event) {})
	if err == nil || !strings.Contains(err.Error(), model.ErrOutcomeUnknown.Error()) {
		t.Fatalf("err = %v", err)
	}
	if _, found, err := p.Reconcile(context.Background(), c.Steps[0], "k"); !found || err != nil {
		t.Errorf("reconcile found=%v err=%v", found, err)
	}
	if got := simValue(sim, "MP-65669"); got != foreign+",AS-1564-9639-4055" {
		t.Errorf("value = %q", got)
	}
}

func TestReadUnknownProductIsUnreadable(t *testing.T) {
	p, _, _ := simProvider(t, world(""), simkit.Behaviour{})
	inst := instance("AS-1564-9639-4055")
	inst.SkipList.Product = "PRD-000-000-000"
	_, diags := p.Read(context.Background(), []providers.ReadRequest{{Instance: inst}})
	if !diags.HasErrors() || !strings.Contains(diags[0].Detail, "PRD_001") {
		t.Fatalf("diags = %v", diags)
	}
	if u, ok := diags[0].Extra.(providers.Unreadable); !ok || len(u.Addrs) != 1 {
		t.Errorf("extra = %#v", diags[0].Extra)
	}
}

func TestSimulatorRejectsUnknownStructure(t *testing.T) {
	env := simkit.NewEnv(simkit.Behaviour{})
	if _, err := NewSimulator(json.RawMessage(`{"prodcts": {}}`), env); err == nil {
		t.Error("a misspelt section field was accepted")
	}
	if _, err := NewSimulator(json.RawMessage(`{"products": {"PRD-1": {"configurations": [{"parameter": {"id": "x"}, "extra": 1}]}}}`), env); err != nil {
		t.Errorf("fields of an API object ferry does not read must be ignored: %v", err)
	}
}

func TestOpenNeedsKeyOutsideSandbox(t *testing.T) {
	if _, err := Open(context.Background(), providers.Config{}, providers.Env{Getenv: func(string) string { return "" }}); err == nil || !strings.Contains(err.Error(), EnvAPIKey) {
		t.Errorf("err = %v", err)
	}
	p, err := Open(context.Background(), providers.Config{}, providers.Env{Getenv: func(string) string { return "ApiKey SU-1:x" }})
	if err != nil || p.c.apiKey != "SU-1:x" || p.c.base != DefaultEndpoint {
		t.Errorf("p = %+v, err = %v", p, err)
	}
}

func ptr(s string) *string { return &s }

// A value Connect would refuse (longer than its documented 2000 characters) blocks the change at
// plan time instead of failing the write.
func TestPlanBlocksValueOverMaxLength(t *testing.T) {
	p := NewProvider(nil)
	long := strings.Repeat("AS-0000-0000-0001,", MaxValueLen/18)
	c, _ := p.Plan(instance("AS-1564-9639-4055"), nil, &Live{Found: true, Value: long})
	if c.Action != model.ActionBlocked || len(c.Steps) != 0 || !strings.Contains(strings.Join(c.Reasons, " "), "at most 2000") {
		t.Errorf("change = %+v", c)
	}
	if c, _ := p.Plan(instance("AS-1564-9639-4055"), nil, &Live{Found: true, Value: long[:1900]}); c.Action != model.ActionCreate {
		t.Errorf("a value within the limit: %s", c.Action)
	}
}

// A parameter with no configuration row yet: its PRM id comes from the product's parameters by
// name, and the POST names it by that id.
func TestDoLooksUpParameterIDWithoutRows(t *testing.T) {
	var posted string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/products/PRD-183-233-565/configurations":
			if posted == "" {
				w.Header().Set("Content-Range", "items 0-0/0")
				w.Write([]byte("[]"))
				return
			}
			w.Header().Set("Content-Range", "items 0-0/1")
			fmt.Fprintf(w, `[{"parameter": {"id": "PRM-183-233-565-0001", "name": "processor_skip_list"}, "marketplace": {"id": "MP-65669"}, "value": "AS-1564-9639-4055"}]`)
		case r.Method == http.MethodGet && r.URL.Path == "/products/PRD-183-233-565/parameters":
			w.Header().Set("Content-Range", "items 0-0/1")
			w.Write(fixture(t, "parameters_by_name.json"))
		case r.Method == http.MethodPost && r.URL.Path == "/products/PRD-183-233-565/configurations":
			b, _ := io.ReadAll(r.Body)
			posted = string(b)
			w.WriteHeader(http.StatusCreated)
			w.Write(b)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	p := NewProvider(testClient(srv.URL))
	c, _ := p.Plan(instance("AS-1564-9639-4055"), nil, &Live{})
	if _, err := p.Do(context.Background(), c.Steps[0], "k", func(model.Event) {}); err != nil {
		t.Fatal(err)
	}
	if want := `{"parameter":{"id":"PRM-183-233-565-0001"},"marketplace":{"id":"MP-65669"},"value":"AS-1564-9639-4055"}`; posted != want {
		t.Errorf("posted %s, want %s", posted, want)
	}
}
