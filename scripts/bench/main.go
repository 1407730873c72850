// Command bench measures ferry end to end against an in-process sandbox: for generated specs of
// 1 000 and 10 000 subscriptions it runs validate, plan, apply and a no-change plan as separate
// processes and prints each one's wall time, peak memory (max RSS) and the API calls it sent, per
// operation. It runs each size with rate limits off (the engine's own cost) and, with -scaled, with
// the documented limits scaled by a time factor (ferry must track the limit: throughput close to
// it and few 429s). Then it plans 10 000, 50 000 and 100 000 subscriptions (-plan-sizes; -plan-only
// runs only those, as `make bench-plan` does) and prints each plan's wall time and peak memory.
//
// The sandbox runs as its own process (`ferry sandbox`) and the world is written by a separate
// `gen` process, so that this driver stays small: on Linux a child's peak RSS as reported by wait4
// also counts the parent's memory at the time of the fork.
//
//	./scripts/bench.sh   (builds the example generator and ferry, then runs this with -ferry and -gen)
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

type size struct{ subs, customers int }

// world says how the sandbox behaves in one run.
type world struct {
	limits    string
	factor    float64
	migration string
}

func main() {
	ferry := flag.String("ferry", "bin/ferry", "the ferry binary to measure")
	gen := flag.String("gen", "bin/gen", "the examplegen/gen binary that writes the worlds")
	sizes := flag.String("sizes", "1000/200,10000/2000", "subscriptions/customers pairs")
	scaledSizes := flag.String("scaled", "1000/200", "sizes also run with scaled rate limits (empty: none)")
	factor := flag.Float64("time-factor", 300, "time factor of the scaled run (300: a 5-minute window lasts 1 s)")
	parallelism := flag.Int("parallelism", 50, "ferry --parallelism for apply")
	realSizes := flag.String("realistic", "1000/200,10000/2000", "sizes of the realistic applies (empty: none)")
	realMigrations := flag.String("migrations", "30m,2h", "simulated migration durations of the realistic applies")
	realFactor := flag.Float64("realistic-factor", 300, "time factor of the realistic applies")
	planSizes := flag.String("plan-sizes", "10000/2000,50000/10000,100000/20000", "sizes of the plan-at-scale runs (empty: none)")
	planOnly := flag.Bool("plan-only", false, "run only the plan-at-scale runs")
	pgURL := flag.String("pg-url", os.Getenv("FERRY_TEST_PG_URL"), "PostgreSQL server: the runs with rate limits off are repeated with the state there (empty: none)")
	flag.Parse()
	bin, err := filepath.Abs(*ferry)
	if err != nil {
		fail(err)
	}
	genBin, err := filepath.Abs(*gen)
	if err != nil {
		fail(err)
	}
	if *planOnly {
		planAtScale(bin, genBin, parseSizes(*planSizes))
		return
	}
	for _, s := range parseSizes(*sizes) {
		run(bin, genBin, s, world{limits: "off", migration: "100ms"}, *parallelism, "")
		if *pgURL != "" {
			run(bin, genBin, s, world{limits: "off", migration: "100ms"}, *parallelism, *pgURL)
		}
	}
	for _, s := range parseSizes(*scaledSizes) {
		run(bin, genBin, s, world{limits: "scaled", factor: *factor, migration: "100ms"}, *parallelism, "")
	}
	if sizes := parseSizes(*realSizes); len(sizes) > 0 {
		realisticHeader(*realFactor)
		for _, s := range sizes {
			for _, m := range strings.Split(*realMigrations, ",") {
				realistic(bin, genBin, s, strings.TrimSpace(m), *realFactor)
			}
		}
	}
	if ps := parseSizes(*planSizes); len(ps) > 0 {
		planAtScale(bin, genBin, ps)
	}
}

func parseSizes(s string) []size {
	var out []size
	for _, p := range strings.Split(s, ",") {
		if p == "" {
			continue
		}
		var z size
		if _, err := fmt.Sscanf(p, "%d/%d", &z.subs, &z.customers); err != nil {
			fail(fmt.Errorf("size %q: want SUBS/CUSTOMERS", p))
		}
		out = append(out, z)
	}
	return out
}

// run generates a spec and world of size s and measures its commands; with pgURL set, the state is
// kept in PostgreSQL there (a schema of the run's own) instead of the local file.
func run(bin, genBin string, s size, w world, parallelism int, pgURL string) {
	dir, err := os.MkdirTemp("", "ferry-bench-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	genArgs := []string{"-subs", fmt.Sprint(s.subs), "-customers", fmt.Sprint(s.customers), "-out", dir,
		"-rate-limits", w.limits, "-migration", w.migration}
	if w.factor > 0 {
		genArgs = append(genArgs, "-time-factor", fmt.Sprint(w.factor))
	}
	if out, err := exec.Command(genBin, genArgs...).CombinedOutput(); err != nil {
		fail(fmt.Errorf("gen: %v\n%s", err, out))
	}
	sandboxURL, stop := startSandbox(bin, filepath.Join(dir, "world.json"))
	defer stop()
	limits := w.limits
	if limits == "scaled" {
		limits = fmt.Sprintf("scaled ×%g", w.factor)
	}
	where := "a local file"
	env := append(os.Environ(), "FERRY_SANDBOX="+sandboxURL, "NO_COLOR=1")
	if pgURL != "" {
		where = "PostgreSQL"
		usePG(filepath.Join(dir, "main.ferry.hcl"), fmt.Sprintf("bench_%d_%d", os.Getpid(), s.subs))
		env = append(env, "FERRY_PG_URL="+pgURL)
	}
	fmt.Printf("\n## %d subscriptions over %d customers, rate limits %s, state in %s\n\n", s.subs, s.customers, limits, where)
	fmt.Printf("%-22s %10s %12s  %s\n", "command", "wall", "peak RSS", "API calls (per operation)")
	steps := []struct {
		name string
		args []string
	}{
		{"validate", []string{"validate"}},
		{"plan", []string{"plan"}},
		{"apply", []string{"apply", "--auto-approve", "--parallelism", fmt.Sprint(parallelism), "--progress-interval", "1h"}},
		{"plan (no changes)", []string{"plan"}},
	}
	for _, st := range steps {
		before := stats(sandboxURL)
		start := time.Now()
		cmd := exec.Command(bin, append(st.args, "--chdir", dir)...)
		// Output goes to a file, not to this process's memory: this driver must stay small (see above).
		logPath := filepath.Join(dir, "output.log")
		logFile, err := os.Create(logPath)
		if err != nil {
			fail(err)
		}
		cmd.Env, cmd.Stdout, cmd.Stderr = env, logFile, logFile
		err = cmd.Run()
		wall := time.Since(start)
		logFile.Close()
		if err != nil {
			tail, _ := os.ReadFile(logPath)
			if len(tail) > 2000 {
				tail = tail[len(tail)-2000:]
			}
			fail(fmt.Errorf("%s: %v\n%s", st.name, err, tail))
		}
		rss := int64(0)
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = ru.Maxrss // KiB on Linux
		}
		calls := diff(before, stats(sandboxURL))
		fmt.Printf("%-22s %10s %9.1f MiB  %s\n", st.name, wall.Round(time.Millisecond), float64(rss)/1024, calls)
		if st.name == "apply" && s.subs > 0 {
			fmt.Printf("%-22s %10s %12s  %.1f subscriptions/s\n", "", "", "", float64(s.subs)/wall.Seconds())
		}
	}
}

// usePG gives the generated spec a postgres backend on schema instead of its local state file.
func usePG(spec, schema string) {
	raw, err := os.ReadFile(spec)
	if err != nil {
		fail(err)
	}
	block := fmt.Sprintf("backend \"postgres\" {\n    schema = %q\n  }", schema)
	out := strings.Replace(string(raw), `state       = "ferry.state.json"`, block, 1)
	if out == string(raw) {
		fail(fmt.Errorf("%s: no state setting to replace by the postgres backend", spec))
	}
	if err := os.WriteFile(spec, []byte(out), 0o644); err != nil {
		fail(err)
	}
}

// startSandbox runs `ferry sandbox` on a free port and returns its URL and how to stop it.
func startSandbox(bin, worldFile string) (string, func()) {
	u, stop, _ := startSandboxProcess(bin, worldFile)
	return u, stop
}

// startSandboxProcess is startSandbox, also returning the sandbox's process ID.
func startSandboxProcess(bin, worldFile string) (string, func(), int) {
	cmd := exec.Command(bin, "sandbox", "--world", worldFile, "--listen", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		fail(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		fail(err)
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "export FERRY_SANDBOX="); ok {
			go func() { // keep draining so the sandbox never blocks on a full pipe
				for sc.Scan() {
				}
			}()
			return u, stop, cmd.Process.Pid
		}
	}
	stop()
	fail(fmt.Errorf("ferry sandbox did not say where it listens"))
	return "", nil, 0
}

func stats(base string) map[string]int {
	resp, err := http.Get(base + "/_sandbox/stats")
	if err != nil {
		fail(err)
	}
	defer resp.Body.Close()
	m := map[string]int{}
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		fail(err)
	}
	return m
}

func diff(a, b map[string]int) string {
	var keys []string
	for k, v := range b {
		if v-a[k] > 0 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, b[k]-a[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}
