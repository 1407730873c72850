// Package app carries out ferry's commands: it loads the spec, opens and locks the state, builds the
// providers, and calls the planner and executor, rendering what they return. cmd/ferry only maps flags
// onto it. Every command returns its exit code (see ExitOK, ExitError, ExitChanges, ExitBlocked).
package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/hcl/v2"

	"github.com/ferry-dev/ferry/hclspec"
	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/notify"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/state"
	"github.com/ferry-dev/ferry/views"
)

// Exit codes of every command.
const (
	ExitOK      = 0 // success, or no changes
	ExitError   = 1 // an error: bad spec, live state that could not be read, failed change, refused plan, lock held…
	ExitChanges = 2 // plan --detailed-exitcode: there are changes to apply
	ExitBlocked = 3 // apply did all it could; only changes the remote system refuses (blocked) remain
)

// DefaultStateFile is the state path when neither --state nor ferry { state } says otherwise.
const DefaultStateFile = "ferry.state.json"

// Globals are the flags and surroundings every command shares.
type Globals struct {
	// Interrupt is done at the first interrupt (cmd/ferry's signal handling; nil: never). An
	// interrupt while the spec is evaluated ends the command at once: nothing has been read or sent,
	// and evaluation cannot stop half-way by itself.
	Interrupt   context.Context
	Chdir       string
	Vars        []string
	VarFiles    []string
	StatePath   string
	Parallelism int
	NoColor     bool
	LockTimeout time.Duration
	JSON        bool
	// RestrictFiles confines file() to the spec directory (--restrict-files); MaxFileSize bounds what
	// it reads of one file (--max-file-size; 0: hclspec.DefaultMaxFileBytes).
	RestrictFiles bool
	MaxFileSize   int64
	// ReadTimeout is the overall deadline of reading the live state (plan, and apply's plan;
	// --read-timeout); 0 means DefaultReadTimeout.
	ReadTimeout time.Duration
	// ReportDir is --report-dir (where run reports go; default ferry { reports } or "reports");
	// NoReport is --no-report.
	ReportDir string
	NoReport  bool
	// Verbose is --verbose: the log also records the (redacted) bodies of requests.
	Verbose bool
	// BackendConfig are --backend-config KEY=VALUE overrides of the backend block's settings.
	BackendConfig []string

	Stdin      io.Reader
	Stdout     io.Writer
	Stderr     io.Writer
	IsTerminal bool // stdin is a terminal (apply may ask for approval)
	ColorOut   bool // stdout is a terminal that shows colours
	Getenv     func(string) string
	Environ    []string

	// Providers is the provider table (cmd/ferry passes table.Default()).
	Providers providers.Table

	// Command is the command line's command ("apply", "state list"), for the log.
	Command string

	// log is the invocation's log, opened on first use.
	log *appLog

	// runID identifies this invocation in reports, logs and notifications (made on first use).
	runID string

	// planDiags are the diagnostics of the last plan made (for the events they carry).
	planDiags hcl.Diagnostics
	// onRead, when set, is told when the next plan has read the live state (FERRY_TIMINGS).
	onRead func()

	// stateOpts is how commands that write the state open it (tests play a full or read-only disk).
	stateOpts state.Options
}

// FromOS fills the surroundings from the process.
func (g *Globals) FromOS() {
	g.Stdin, g.Stdout, g.Stderr = os.Stdin, os.Stdout, os.Stderr
	g.Getenv = os.Getenv
	g.Environ = os.Environ()
}

// RunID identifies this invocation in its reports, log lines and notifications.
func (g *Globals) RunID() string {
	if g.runID == "" {
		g.runID = uuid.NewString()
	}
	return g.runID
}

func (g *Globals) color() bool {
	return g.ColorOut && !g.NoColor && g.Getenv("NO_COLOR") == "" && !g.JSON
}

func (g *Globals) dir() string {
	if g.Chdir == "" {
		return "."
	}
	return g.Chdir
}

// spec is a loaded spec with what rendering its diagnostics needs.
type spec struct {
	cfg   *hclspec.Config
	files *hclspec.Files
	out   io.Writer  // stdout with sensitive values redacted
	err   io.Writer  // stderr with sensitive values redacted
	red   *redaction // the secrets of this run (nil: none)
	// secrets are the values redacted from everything ferry writes (output, reports, logs, payloads).
	secrets []string
}

// loadSpec loads the spec and prints its diagnostics; ok is false when there were errors.
func (g *Globals) loadSpec() (*spec, bool) {
	type loaded struct {
		cfg   *hclspec.Config
		files *hclspec.Files
		diags hcl.Diagnostics
	}
	done := make(chan loaded, 1)
	go func() {
		cfg, files, diags := hclspec.Load(g.dir(), g.specOptions())
		done <- loaded{cfg, files, diags}
	}()
	var interrupt <-chan struct{}
	if g.Interrupt != nil {
		interrupt = g.Interrupt.Done()
	}
	var l loaded
	select {
	case l = <-done:
	case <-interrupt:
		// HCL evaluation cannot be cancelled: a spec whose expressions build millions of values
		// would hold the command past Ctrl-C. The command ends here (the evaluation with the
		// process); nothing was read, locked or sent yet.
		s := &spec{out: g.Stdout, err: g.Stderr}
		g.errorf(s.err, "interrupted while the spec was being evaluated; nothing was read or changed")
		return s, false
	}
	cfg, files, diags := l.cfg, l.files, l.diags
	s := g.newSpec(cfg, files)
	g.logger(s).Log("start", map[string]any{"dir": g.dir(), "errors": diags.HasErrors()})
	if len(diags) > 0 {
		g.writeDiags(s, diags)
	}
	return s, cfg != nil && !diags.HasErrors()
}

// loadSettings loads the spec for its ferry block alone (hclspec.LoadSettings), for commands that
// read only the state: s.cfg holds only the settings. When the ferry block cannot be read, its
// errors are printed and ok is false, unless --state names the state file (the defaults apply).
func (g *Globals) loadSettings() (s *spec, ok bool) {
	cfg, files, diags := hclspec.LoadSettings(g.dir(), g.specOptions())
	s = g.newSpec(cfg, files)
	g.logger(s).Log("start", map[string]any{"dir": g.dir(), "errors": diags.HasErrors()})
	if cfg == nil && (g.StatePath == "" || len(g.BackendConfig) > 0) {
		g.errorf(s.err, "%v", g.settingsUnknown(s, diags))
		return s, false
	}
	return s, true
}

// newSpec wraps a loaded spec with the outputs of this run, redacting every secret it knows.
func (g *Globals) newSpec(cfg *hclspec.Config, files *hclspec.Files) *spec {
	s := &spec{cfg: cfg, files: files, out: g.Stdout, err: g.Stderr}
	// files knows the sensitive values even when the spec did not load, so errors are redacted too;
	// the providers' credentials and the notification secrets from the environment are secrets too.
	s.secrets = g.secrets(files)
	if cfg != nil {
		for _, name := range notify.SecretEnv(cfg.Notify) {
			if v := g.Getenv(name); v != "" {
				s.secrets = append(s.secrets, v)
			}
		}
	}
	s.secrets = append(s.secrets, g.backendSecrets(cfg)...)
	s.red = newRedaction(s.secrets)
	if s.red != nil {
		s.out = &redactor{w: g.Stdout, r: s.red}
		s.err = &redactor{w: g.Stderr, r: s.red}
	}
	return s
}

// secrets returns every secret ferry knows in this run, the one source of its redaction: the
// sensitive values of the spec (files knows them even when the spec did not load, so its errors are
// redacted too) and the credentials of every provider of the table, read from the environment.
func (g *Globals) secrets(files *hclspec.Files) []string {
	secrets := files.Sensitive()
	for _, name := range g.Providers.SecretEnv() {
		if v := g.Getenv(name); v != "" {
			secrets = append(secrets, v)
		}
	}
	return secrets
}

// writeDiags writes diagnostics of the spec or of reading the live state: their texts redacted, then
// the values they quote shortened (after redaction: a secret cut short would match none of its forms).
func (g *Globals) writeDiags(s *spec, diags hcl.Diagnostics) {
	vd := views.NewDiagnostics(diags, s.files.Map())
	for i := range vd {
		vd[i].Summary = truncateValues(s.red.String(vd[i].Summary))
		vd[i].Detail = truncateValues(s.red.String(vd[i].Detail))
	}
	g.writeDiagnostics(s.err, vd)
}

// writeJSONDiags writes diags as JSON diagnostic lines (without source snippets) on w.
func writeJSONDiags(w io.Writer, diags hcl.Diagnostics) {
	_ = views.WriteDiagnosticsJSON(w, views.NewDiagnostics(diags, nil))
}

// writeDiagnostics writes diagnostics on w (stderr): text, or JSON lines with --json.
func (g *Globals) writeDiagnostics(w io.Writer, vd []views.Diagnostic) {
	if g.JSON {
		_ = views.WriteDiagnosticsJSON(w, vd)
		return
	}
	if err := views.WriteDiagnostics(w, vd, views.TextOptions{Color: g.color(), Width: 100}); err != nil {
		fmt.Fprintf(w, "Error: %v\n", err)
	}
}

// Fail reports an error that stopped the command line before a command ran (an unknown command or
// flag) like every other error, and returns ExitError.
func (g *Globals) Fail(err error) int {
	g.errorf(g.Stderr, "%v", err)
	return ExitError
}

// errorf reports an error of the command on w (stderr): an "Error: …" line, or with --json one
// diagnostic JSON line, so that every error of every command has one shape per output mode.
func (g *Globals) errorf(w io.Writer, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if g.JSON {
		_ = views.WriteDiagnosticsJSON(w, []views.Diagnostic{views.ErrorDiagnostic(msg, "")})
		return
	}
	fmt.Fprintf(w, "Error: %s\n", views.EscapeLines(msg))
}

// statePath resolves the state file: --state, then ferry { state }, then the default, relative to
// the spec directory.
func (g *Globals) statePath(cfg *hclspec.Config) string {
	p := g.StatePath
	if p == "" && cfg != nil {
		p = cfg.StatePath
	}
	if p == "" {
		p = DefaultStateFile
	}
	if filepath.IsAbs(p) || g.StatePath != "" {
		return p
	}
	return filepath.Join(g.dir(), p)
}

// CheckFlags reports flag values that cannot work, before anything else runs.
func (g *Globals) CheckFlags() error {
	if g.Parallelism < 0 {
		return fmt.Errorf("--parallelism %d: want a whole number of at least 1", g.Parallelism)
	}
	if g.ReadTimeout < 0 {
		return fmt.Errorf("--read-timeout %s: want a duration above 0", g.ReadTimeout)
	}
	if g.MaxFileSize < 0 {
		return fmt.Errorf("--max-file-size %d: want a number of bytes above 0", g.MaxFileSize)
	}
	if g.LockTimeout < 0 {
		return fmt.Errorf("--lock-timeout %s: want a duration of 0 or more", g.LockTimeout)
	}
	return nil
}

func (g *Globals) parallelism(cfg *hclspec.Config) int {
	if g.Parallelism > 0 {
		return g.Parallelism
	}
	if cfg != nil && cfg.Parallelism > 0 {
		return cfg.Parallelism
	}
	return 10
}

// specOptions are the inputs of hclspec.Load from the flags and the environment.
func (g *Globals) specOptions() hclspec.Options {
	return hclspec.Options{Vars: g.Vars, VarFiles: g.VarFiles, Getenv: g.Getenv, Environ: g.Environ, Providers: g.Providers,
		MaxFileBytes: g.MaxFileSize, RestrictFiles: g.RestrictFiles}
}

// sandboxURL is FERRY_SANDBOX without a trailing slash ("" when unset).
func (g *Globals) sandboxURL() string { return strings.TrimRight(g.Getenv("FERRY_SANDBOX"), "/") }

// opened is the result of openProviders: the providers that could be opened, and why the others
// named by the spec cannot be used.
type opened struct {
	providers   map[string]providers.Provider
	unavailable map[string]string
	// factor is the sandbox's time factor (1 without the sandbox).
	factor float64
}

// openProviders opens the named providers through the provider table. A provider that is not
// built yet is left out with that reason; the planner plans its instances as blocked. With
// FERRY_SANDBOX set, the sandbox is found once and handed to every provider.
func (g *Globals) openProviders(ctx context.Context, s *spec, need map[string]bool) (opened, bool) {
	out := opened{providers: map[string]providers.Provider{}, unavailable: map[string]string{}}
	// Every provider's requests follow redirects only within the host they were sent to, so no
	// credential reaches another host; the log records each request.
	env := providers.Env{Getenv: g.Getenv, Blocks: s.cfg.Providers,
		HTTPClient: providers.GuardRedirects(&http.Client{Timeout: 2 * time.Minute, Transport: g.logger(s).Transport(baseTransport())})}
	if g.Getenv("FERRY_LOG") != "" {
		// Debug lines of the providers (retries, 429s, reconciles), redacted like all output.
		var mu sync.Mutex
		env.Log = func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(s.err, "[ferry] %s\n", views.EscapeLines(fmt.Sprintf(format, args...)))
		}
	}
	if url := g.sandboxURL(); url != "" {
		sb, err := providers.DiscoverSandbox(ctx, env.HTTPClient, url)
		if err != nil {
			g.errorf(s.err, "%v", err)
			return out, false
		}
		env.Sandbox = sb
		out.factor = sb.Pace().Factor
	}
	failed := false
	for _, e := range g.Providers {
		if !need[e.Name] {
			continue
		}
		if !e.Built() {
			out.unavailable[e.Name] = fmt.Sprintf("the %s provider (%s) is not built in this release of ferry; nothing is read or "+
				"sent for this block (remove it, or leave it out with --target)", e.Name, e.Title)
			continue
		}
		cfg, ok := s.cfg.Providers[e.Name]
		if !ok {
			cfg = providers.Config{Name: e.Name}
		}
		p, err := e.Open(ctx, cfg, env)
		if err != nil {
			// Every provider that cannot be opened is named (missing credentials of three providers
			// are three errors of one run, not three runs).
			g.errorf(s.err, "%s provider: %v%s", e.Name, err, providerWhere(s.cfg, cfg))
			failed = true
			continue
		}
		out.providers[e.Name] = p
	}
	return out, !failed
}

// idleConnsPerHost is how many idle connections per host the providers' transport keeps: enough for
// their concurrent reads (the default transport keeps 2, so most requests would open a connection).
const idleConnsPerHost = 64

// baseTransport is the transport under the log's: the default one with enough idle connections.
// (A provider whose client has a transport of its own keeps it as it is.)
func baseTransport() http.RoundTripper {
	def, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport
	}
	t := def.Clone()
	t.MaxIdleConnsPerHost = idleConnsPerHost
	return t
}

// providerWhere says where the spec asks for a provider that could not be opened: its block, or,
// without one, the first instance that uses it (" (provider block at main.ferry.hcl:9)").
func providerWhere(cfg *hclspec.Config, pc providers.Config) string {
	if r := pc.DeclRange; r.Filename != "" {
		return fmt.Sprintf(" (provider %q block at %s:%d)", pc.Name, r.Filename, r.Start.Line)
	}
	var first *model.Instance // in file order
	for i := range cfg.Instances {
		inst := &cfg.Instances[i]
		if inst.Provider != pc.Name {
			continue
		}
		if r, f := inst.DeclRange, first; f == nil || r.Filename < f.DeclRange.Filename ||
			(r.Filename == f.DeclRange.Filename && r.Start.Line < f.DeclRange.Start.Line) {
			first = inst
		}
	}
	if first == nil {
		return ""
	}
	r := first.DeclRange
	return fmt.Sprintf(" (the spec has no provider %q block; %s at %s:%d uses it)", pc.Name, first.Addr, r.Filename, r.Start.Line)
}

// sandboxBanner is the first line of plan and apply when talking to the sandbox. It goes to stderr
// (w), so that stdout stays a document (--markdown, --json).
func (g *Globals) sandboxBanner(w io.Writer) {
	if sb := g.sandboxURL(); sb != "" && !g.JSON {
		fmt.Fprintf(w, "Using the ferry sandbox at %s (FERRY_SANDBOX): no credentials needed, nothing real is touched.\n\n", sb)
	}
}

// stateWarnings prints on w (stderr) what opening the state found that did not stop it (a damaged
// last journal line, kept as evidence).
func (g *Globals) stateWarnings(w io.Writer, st state.State) {
	for _, msg := range st.Warnings() {
		if g.JSON {
			_ = views.WriteDiagnosticsJSON(w, []views.Diagnostic{views.WarningDiagnostic("Damaged state journal", msg)})
			continue
		}
		fmt.Fprintf(w, "Warning: %s\n\n", views.EscapeLines(msg))
	}
}
