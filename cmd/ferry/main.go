// Command ferry plans and applies migrations declared in *.ferry.hcl specs: Microsoft CSP legacy
// subscriptions to New Commerce, CloudBlue Connect skip lists and AWS MGN cutovers. This file maps
// flags onto package app, which does the work.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/ferry-dev/ferry/app"
	"github.com/ferry-dev/ferry/providers/table"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	tuneGC()
	os.Exit(profiled(func() int { return run(os.Args[1:]) }))
}

// tuneGC trades memory the plan goal allows for garbage-collection time: a plan of 100 000
// subscriptions spent a sixth of its CPU in the collector at the default GOGC of 100. The collector
// runs at 400 % growth under a soft limit of 900 MiB (past it, Go's limiter caps the collector at
// half the CPU). GOGC or GOMEMLIMIT in the environment override both (docs/commands.md).
func tuneGC() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(900 << 20)
}

// profiled runs f, writing a CPU profile to $FERRY_CPUPROFILE and a heap profile to
// $FERRY_MEMPROFILE when they are set (a developer's knob for `make bench-plan`; docs/commands.md).
func profiled(f func() int) int {
	if path := os.Getenv("FERRY_CPUPROFILE"); path != "" {
		out, err := os.Create(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "ferry: FERRY_CPUPROFILE: %v\n", err)
			return app.ExitError
		}
		defer out.Close()
		if err := pprof.StartCPUProfile(out); err != nil {
			fmt.Fprintf(os.Stderr, "ferry: FERRY_CPUPROFILE: %v\n", err)
			return app.ExitError
		}
		defer pprof.StopCPUProfile()
	}
	code := f()
	if path := os.Getenv("FERRY_MEMPROFILE"); path != "" {
		if out, err := os.Create(path); err == nil {
			_ = pprof.WriteHeapProfile(out)
			out.Close()
		}
	}
	return code
}

// run executes the command line and returns the exit code.
func run(args []string) int {
	soft, hard, stop := interrupts()
	defer stop()
	g := &app.Globals{Interrupt: soft}
	defer g.Close()
	g.FromOS()
	g.Providers = table.Default()
	g.IsTerminal = isatty.IsTerminal(os.Stdin.Fd())
	g.ColorOut = isatty.IsTerminal(os.Stdout.Fd()) && os.Getenv("TERM") != "dumb"
	code := app.ExitOK
	set := func(c int) { code = c }
	root := newRoot(g, set)
	root.SetContext(soft)
	hardCtx = hard
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		// A bad flag stops cobra before it reads --json when --json comes after it (plan --bogus
		// --json): the error is still a JSON diagnostic whenever --json is on the command line.
		if !g.JSON && jsonRequested(args) {
			g.JSON = true
		}
		if strings.Contains(err.Error(), "[json markdown] were all set") { // cobra's words for the flag group
			err = fmt.Errorf("--json and --markdown cannot be used together: choose one output format")
		}
		return g.Fail(err)
	}
	return code
}

// jsonRequested reports whether --json (or --json=true) is among the arguments, before any "--".
func jsonRequested(args []string) bool {
	on := false
	for _, a := range args {
		if a == "--" {
			break
		}
		if v, ok := strings.CutPrefix(a, "--json"); ok && (v == "" || v[0] == '=') {
			b, err := strconv.ParseBool(strings.TrimPrefix(v, "="))
			on = v == "" || (err == nil && b)
		}
	}
	return on
}

// hardCtx is cancelled by a second interrupt (see interrupts); apply uses it to stop calls already sent.
var hardCtx = context.Background()

// interrupts is the one place that handles signals. soft is cancelled by the first interrupt (Ctrl-C or
// SIGTERM): every command gets it and stops starting new work. hard is cancelled by the second: apply
// then also stops the calls already sent (their intents are reconciled on the next apply). A third
// one kills the process.
func interrupts() (soft, hard context.Context, stop func()) {
	soft, cancelSoft := context.WithCancel(context.Background())
	hard, cancelHard := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		for n := 1; ; n++ {
			select {
			case <-done:
				return
			case <-sigs:
			}
			if n == 1 {
				cancelSoft()
				continue
			}
			// The second: stop what was sent, and let a third kill the process the default way.
			cancelHard()
			signal.Stop(sigs)
			return
		}
	}()
	return soft, hard, func() {
		signal.Stop(sigs)
		close(done)
		cancelSoft()
		cancelHard()
	}
}

func newRoot(g *app.Globals, set func(int)) *cobra.Command {
	root := &cobra.Command{
		Use:   "ferry",
		Short: "Plan and apply migrations safely: CSP legacy → New Commerce, Connect skip lists, MGN cutovers",
		Long: "ferry reads the *.ferry.hcl specs in the working directory, shows what it would do (plan), and does it\n" +
			"(apply), journaling every step so that running it again after any failure resumes exactly.\n\n" +
			"Exit codes: 0 success or no changes; 1 error (including live state that could not be read);\n" +
			"2 changes present (plan --detailed-exitcode); 3 apply did all it could and only blocked changes remain.",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			g.Command = strings.TrimPrefix(cmd.CommandPath(), "ferry ")
			if cmd.Flags().Changed("parallelism") && g.Parallelism == 0 {
				return fmt.Errorf("--parallelism 0: want a whole number of at least 1")
			}
			return g.CheckFlags()
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&g.Chdir, "chdir", "", "run in `DIR` (where the *.ferry.hcl files are)")
	pf.StringArrayVar(&g.Vars, "var", nil, "set a variable: `NAME=VALUE` (repeatable)")
	pf.StringArrayVar(&g.VarFiles, "var-file", nil, "read variables from an HCL `FILE` (repeatable)")
	pf.StringVar(&g.StatePath, "state", "", "state file `PATH` (default: ferry { state } or ferry.state.json)")
	pf.StringArrayVar(&g.BackendConfig, "backend-config", nil,
		"override a setting of the spec's backend block: `KEY=VALUE` (conn_str_env, schema, workspace; repeatable)")
	pf.IntVar(&g.Parallelism, "parallelism", 0, "how many changes run at once (default: ferry { parallelism } or 10)")
	pf.BoolVar(&g.NoColor, "no-color", false, "no colours in output (also NO_COLOR)")
	pf.DurationVar(&g.LockTimeout, "lock-timeout", 0, "wait up to `D` for the state lock (default: fail at once)")
	pf.BoolVar(&g.JSON, "json", false, "machine-readable JSON output")
	pf.BoolVar(&g.RestrictFiles, "restrict-files", false, "file() reads only inside the spec directory, links resolved (for CI on untrusted pull requests)")
	pf.Int64Var(&g.MaxFileSize, "max-file-size", 0, "the most `BYTES` file() reads of one file (default 64 MiB)")
	pf.StringVar(&g.ReportDir, "report-dir", "", "write run reports under `DIR` (default: ferry { reports } or reports)")
	pf.BoolVar(&g.NoReport, "no-report", false, "write no run report")
	pf.BoolVar(&g.Verbose, "verbose", false, "the log also records the (redacted) bodies of requests")

	plan := planCmd(g, set)
	root.AddCommand(
		&cobra.Command{
			Use: "validate", Short: "Parse and check the spec (no network)", Args: cobra.NoArgs,
			Run: func(cmd *cobra.Command, _ []string) { set(app.Validate(g)) },
		},
		fmtCmd(g, set), plan, applyCmd(g, set), showCmd(g, set), importCmd(g, set), stateCmd(g, set),
		workspaceCmd(g, set),
		sandboxCmd(g, set),
		&cobra.Command{
			Use: "report", Short: "Rebuild the run report of the last apply from the state alone", Args: cobra.NoArgs,
			Run: func(cmd *cobra.Command, _ []string) { set(app.Report(cmd.Context(), g, app.ReportOptions{})) },
		},
		&cobra.Command{
			Use: "version", Short: "Print the version", Args: cobra.NoArgs,
			Run: func(cmd *cobra.Command, _ []string) { set(app.Version(g, version)) },
		},
	)
	// One output format at a time (--json is the root's persistent flag, known to plan once added).
	plan.MarkFlagsMutuallyExclusive("json", "markdown")
	return root
}

func fmtCmd(g *app.Globals, set func(int)) *cobra.Command {
	var o app.FmtOptions
	c := &cobra.Command{
		Use: "fmt [FILE...]", Short: "Rewrite the spec files (or the FILEs given) in canonical format",
		Run: func(cmd *cobra.Command, args []string) {
			o.Files = args
			set(app.Fmt(g, o))
		},
	}
	c.Flags().BoolVar(&o.Check, "check", false, "only check: list unformatted files and exit 1 if any")
	c.Flags().BoolVar(&o.Diff, "diff", false, "show the formatting changes as a diff")
	return c
}

func planCmd(g *app.Globals, set func(int)) *cobra.Command {
	var o app.PlanOptions
	c := &cobra.Command{
		Use: "plan", Short: "Read live state and show what apply would do", Args: cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) { set(app.Plan(cmd.Context(), g, o)) },
	}
	f := c.Flags()
	f.StringVar(&o.Out, "out", "", "save the plan to `FILE` for ferry apply FILE")
	f.BoolVar(&o.DetailedExitcode, "detailed-exitcode", false, "exit 2 when there are changes, 0 when none")
	f.BoolVar(&o.RefreshOnly, "refresh-only", false, "only record live objects in state; change nothing remote")
	f.StringArrayVar(&o.Targets, "target", nil, "limit to `ADDR` and what it depends on (repeatable)")
	f.BoolVar(&o.Markdown, "markdown", false, "render the plan as markdown (for pull-request comments)")
	f.DurationVar(&g.ReadTimeout, "read-timeout", app.DefaultReadTimeout, "give up reading the live state after `D`; what is unread is an error")
	return c
}

func applyCmd(g *app.Globals, set func(int)) *cobra.Command {
	var o app.ApplyOptions
	c := &cobra.Command{
		Use: "apply [PLANFILE]", Short: "Carry out a saved plan, or plan and carry out after approval", Args: cobra.MaximumNArgs(1),
		Run: func(cmd *cobra.Command, args []string) {
			if len(args) == 1 {
				o.PlanFile = args[0]
			}
			if o.ProgressInterval <= 0 {
				set(g.Fail(fmt.Errorf("--progress-interval %s: want a duration above 0", o.ProgressInterval)))
				return
			}
			// On a terminal (stderr), the progress is one status block redrawn in place.
			o.Live = isatty.IsTerminal(os.Stderr.Fd()) && os.Getenv("TERM") != "dumb"
			if w, _, err := term.GetSize(int(os.Stderr.Fd())); err == nil {
				o.Width = w
			}
			o.SizeNow = func() (int, int) {
				w, h, err := term.GetSize(int(os.Stderr.Fd()))
				if err != nil {
					return 0, 0
				}
				return w, h
			}
			set(app.Apply(cmd.Context(), hardCtx, g, o))
		},
	}
	f := c.Flags()
	f.BoolVar(&o.AutoApprove, "auto-approve", false, "do not ask for approval")
	f.BoolVar(&o.RefreshOnly, "refresh-only", false, "only record live objects in state (as plan --refresh-only); change nothing remote")
	f.StringArrayVar(&o.Targets, "target", nil, "limit to `ADDR` and what it depends on (repeatable)")
	f.DurationVar(&g.ReadTimeout, "read-timeout", app.DefaultReadTimeout, "give up reading the live state (before anything is sent) after `D`")
	f.DurationVar(&o.ProgressInterval, "progress-interval", 30*time.Second,
		"without a terminal, print a summary of the whole apply every `D` (with --json, an apply_progress line)")
	return c
}

func showCmd(g *app.Globals, set func(int)) *cobra.Command {
	return &cobra.Command{
		Use: "show [PLANFILE]", Short: "Render a saved plan, or the state", Args: cobra.MaximumNArgs(1),
		Run: func(cmd *cobra.Command, args []string) {
			file := ""
			if len(args) == 1 {
				file = args[0]
			}
			set(app.Show(g, file))
		},
	}
}

func importCmd(g *app.Globals, set func(int)) *cobra.Command {
	return &cobra.Command{
		Use: "import ADDR ID", Short: "Adopt an existing remote object (e.g. <customer_id>/<subscription_id>) into state",
		Args: cobra.ExactArgs(2),
		Run:  func(cmd *cobra.Command, args []string) { set(app.Import(cmd.Context(), g, args[0], args[1])) },
	}
}

func stateCmd(g *app.Globals, set func(int)) *cobra.Command {
	c := &cobra.Command{Use: "state", Short: "Inspect and edit the state"}
	c.AddCommand(
		&cobra.Command{Use: "list", Short: "List the addresses in the state", Args: cobra.NoArgs,
			Run: func(cmd *cobra.Command, _ []string) { set(app.StateList(g)) }},
		&cobra.Command{Use: "show ADDR", Short: "Show one state entry", Args: cobra.ExactArgs(1),
			Run: func(cmd *cobra.Command, args []string) { set(app.StateShow(g, args[0])) }},
		&cobra.Command{Use: "rm ADDR...", Short: "Forget entries (nothing remote is touched)", Args: cobra.MinimumNArgs(1),
			Run: func(cmd *cobra.Command, args []string) { set(app.StateRm(g, args)) }},
		&cobra.Command{Use: "mv FROM TO", Short: "Rename an entry", Args: cobra.ExactArgs(2),
			Run: func(cmd *cobra.Command, args []string) { set(app.StateMv(g, args[0], args[1])) }},
		statePushPull(g, set, "push FILE", "Copy a local state file into the spec's backend (PostgreSQL)", app.StatePush),
		statePushPull(g, set, "pull FILE", "Copy the state of the spec's backend into a local state file", app.StatePull),
	)
	return c
}

func statePushPull(g *app.Globals, set func(int), use, short string, do func(context.Context, *app.Globals, string, bool) int) *cobra.Command {
	var force bool
	c := &cobra.Command{Use: use, Short: short, Args: cobra.ExactArgs(1),
		Run: func(cmd *cobra.Command, args []string) { set(do(cmd.Context(), g, args[0], force)) }}
	c.Flags().BoolVar(&force, "force", false, "replace a destination that holds another or a newer state")
	return c
}

func workspaceCmd(g *app.Globals, set func(int)) *cobra.Command {
	c := &cobra.Command{Use: "workspace", Short: "Workspaces of a shared (PostgreSQL) backend: one state each"}
	var force bool
	del := &cobra.Command{Use: "delete NAME", Short: "Delete a workspace's state (nothing remote is touched)", Args: cobra.ExactArgs(1),
		Run: func(cmd *cobra.Command, args []string) { set(app.WorkspaceDelete(cmd.Context(), g, args[0], force)) }}
	del.Flags().BoolVar(&force, "force", false, "delete a workspace whose state still holds resources")
	c.AddCommand(
		&cobra.Command{Use: "list", Short: "List the workspaces; the current one is marked *", Args: cobra.NoArgs,
			Run: func(cmd *cobra.Command, _ []string) { set(app.WorkspaceList(cmd.Context(), g)) }},
		&cobra.Command{Use: "new NAME", Short: "Create a workspace and select it", Args: cobra.ExactArgs(1),
			Run: func(cmd *cobra.Command, args []string) { set(app.WorkspaceNew(cmd.Context(), g, args[0])) }},
		&cobra.Command{Use: "select NAME", Short: "Make a workspace the current one in this directory", Args: cobra.ExactArgs(1),
			Run: func(cmd *cobra.Command, args []string) { set(app.WorkspaceSelect(cmd.Context(), g, args[0])) }},
		del,
	)
	return c
}

func sandboxCmd(g *app.Globals, set func(int)) *cobra.Command {
	var world, listen string
	var allowRemote bool
	c := &cobra.Command{
		Use: "sandbox", Short: "Serve the simulators of every provider (point ferry at it with FERRY_SANDBOX)", Args: cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) { set(app.Sandbox(cmd.Context(), g, world, listen, allowRemote)) },
	}
	c.Flags().StringVar(&world, "world", "", "world `FILE` (JSON; see docs/sandbox.md)")
	c.Flags().StringVar(&listen, "listen", "127.0.0.1:8787", "listen `ADDR` (port 0 picks a free one); loopback only unless --allow-remote")
	c.Flags().BoolVar(&allowRemote, "allow-remote", false, "allow a --listen address reachable from other machines (the sandbox has no authentication)")
	return c
}
