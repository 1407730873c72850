package hclspec

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/ferry-dev/ferry/internal/regfile"
	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
)

// loader carries the state of one Load.
type loader struct {
	// ferryErrors is set when the ferry block (its settings or backend) has an error.
	ferryErrors bool
	// noSpecFiles is set when the directory has no spec file at all.
	noSpecFiles bool
	dir         string
	opts        Options
	files       *Files
	diags       hcl.Diagnostics
	seen        map[string]bool // keys of instance-level diagnostics already reported
	fr          *fileReader
	scope       *scope
	// sources are the spec files by name, for the hash.
	sources map[string][]byte
	// ranges holds, per instance, where its arguments were set ("entries[2]", "addon[0].migrate_from").
	ranges map[model.Addr]map[string]hcl.Range
	// entryRanges holds, per skip_list instance, where each of its Entries was written.
	entryRanges map[model.Addr][]hcl.Range
	// sensitiveVars names the variables declared sensitive; their values stay out of the hash.
	sensitiveVars map[string]bool
	// blockOf maps each instance to its block.
	blockOf map[model.Addr]*resourceBlock
	// kinds is the block-kind table.
	kinds []kindSpec
}

// Load parses and evaluates the spec in dir: every *.ferry.hcl file. The returned Files let callers
// render the diagnostics with source snippets. The Config is nil when there are errors.
func Load(dir string, opts Options) (*Config, *Files, hcl.Diagnostics) {
	l := newLoader(dir, opts, map[string][]byte{})
	return l.finish(l.load())
}

// LoadSettings loads the spec for its ferry block alone — state, reports, parallelism and backend —
// for the commands that need no valid spec (state, show, report): a spec with errors elsewhere (a
// variable without a value, a resource that does not evaluate) still names where its state is. It
// parses every file but evaluates only what the ferry block can use: the variables, the locals the
// ferry, provider and notify blocks refer to (directly or through other locals), and those blocks
// (provider and notify blocks for the sensitive values they compute, which are redacted from the
// output). Resource and import blocks, and the locals only they use, are not evaluated: a spec whose
// for_each expands a large CSV costs no more than its ferry block. The Config holds only the
// settings; it is nil when the files do not parse or the ferry block itself has an error. The
// diagnostics are those of what was evaluated. A directory without spec files has the default
// settings (and no diagnostic): nothing there names another state.
func LoadSettings(dir string, opts Options) (*Config, *Files, hcl.Diagnostics) {
	l := newLoader(dir, opts, map[string][]byte{})
	var cfg *Config
	switch {
	case l.read():
		cfg = l.evaluateSettings()
	case l.noSpecFiles:
		l.diags = nil
		cfg = l.evaluateSettings()
	}
	l.diags = dedupeDiags(l.diags)
	l.files.sortSecrets()
	if cfg == nil || l.ferryErrors {
		return nil, l.files, l.diags
	}
	return &Config{Dir: cfg.Dir, StatePath: cfg.StatePath, Parallelism: cfg.Parallelism, Reports: cfg.Reports,
		Backend: cfg.Backend, Sensitive: l.files.sensitive}, l.files, l.diags
}

// LoadSources is Load for in-memory spec files (file name → content); file() still reads from dir.
// It serves tests and tools that hold the spec in memory.
func LoadSources(dir string, sources map[string][]byte, opts Options) (*Config, *Files, hcl.Diagnostics) {
	l := newLoader(dir, opts, sources)
	return l.finish(l.evaluate())
}

func newLoader(dir string, opts Options, sources map[string][]byte) *loader {
	limit := opts.MaxFileBytes
	if limit <= 0 {
		limit = DefaultMaxFileBytes
	}
	fr := &fileReader{dir: dir, read: map[string]string{}, limit: limit, restrict: opts.RestrictFiles}
	return &loader{
		dir:           dir,
		opts:          opts,
		files:         NewFiles(),
		seen:          map[string]bool{},
		fr:            fr,
		sources:       sources,
		ranges:        map[model.Addr]map[string]hcl.Range{},
		blockOf:       map[model.Addr]*resourceBlock{},
		entryRanges:   map[model.Addr][]hcl.Range{},
		sensitiveVars: map[string]bool{},
		kinds:         kindTable(),
		scope: &scope{
			funcs:    functions(fr),
			declared: map[string]bool{},
			locals:   map[string]bool{},
			vars:     map[string]cty.Value{},
			localVal: map[string]cty.Value{},
		},
	}
}

// finish dedupes the diagnostics and withholds the Config when there are errors.
func (l *loader) finish(cfg *Config) (*Config, *Files, hcl.Diagnostics) {
	l.diags = dedupeDiags(l.diags)
	l.files.sortSecrets()
	if cfg != nil {
		cfg.Sensitive = l.files.sensitive
	}
	if l.diags.HasErrors() || cfg == nil {
		return nil, l.files, l.diags
	}
	return cfg, l.files, l.diags
}

// load reads the spec files of the directory and evaluates them.
func (l *loader) load() *Config {
	if !l.read() {
		return nil
	}
	return l.evaluate()
}

// read reads the spec files of the directory into l.sources; false when there are none or the
// directory cannot be read. A file that cannot be read is reported and left out.
func (l *loader) read() bool {
	names, err := specFiles(l.dir)
	if err != nil {
		l.errorf(nil, "Cannot read the spec directory", "%s.", err)
		return false
	}
	if len(names) == 0 {
		l.noSpecFiles = true
		l.errorf(nil, "No spec files", "The directory %s has no *%s files. Write the spec there, or point --chdir at the directory that has it.", l.dir, SpecSuffix)
		return false
	}
	for _, name := range names {
		src, ok := l.readSpecFile(name)
		if !ok {
			continue
		}
		l.sources[name] = src
	}
	return true
}

// decode parses l.sources and decodes them into the source model; nil when a file does not parse.
func (l *loader) decode() *module {
	names := make([]string, 0, len(l.sources))
	for name := range l.sources {
		names = append(names, name)
	}
	sort.Strings(names)
	var parsed []*hcl.File
	for _, name := range names {
		if d := checkSize(name, int64(len(l.sources[name]))); d != nil {
			l.diags = append(l.diags, d)
			continue
		}
		f, diags := l.files.parseHCL(l.sources[name], name)
		l.diags = append(l.diags, diags...)
		parsed = append(parsed, f)
	}
	if l.diags.HasErrors() {
		// A file that does not parse would only add noise (missing arguments of half-read blocks).
		return nil
	}
	dec := newDecoder(l.kinds, l.opts.Providers)
	for _, f := range parsed {
		dec.decodeFile(f)
	}
	l.diags = append(l.diags, dec.diags...)
	return &dec.mod
}

// evalVariablesOf evaluates the variables of mod into the scope, and declares its locals.
func (l *loader) evalVariablesOf(mod *module) map[string]cty.Value {
	for _, v := range mod.variables {
		l.scope.declared[v.Name] = true
	}
	for _, a := range mod.locals {
		l.scope.locals[a.Name] = true
	}
	vars := l.evalVariables(mod.variables)
	l.scope.vars = vars
	return vars
}

// evaluateSettings evaluates, of l.sources, only what LoadSettings returns or redacts: the
// variables, the ferry, provider and notify blocks and the locals they refer to.
func (l *loader) evaluateSettings() *Config {
	mod := l.decode()
	if mod == nil {
		return nil
	}
	l.evalVariablesOf(mod)
	var roots []hcl.Expression
	if fb := mod.ferry; fb != nil {
		roots = appendExprs(roots, fb.Attrs)
		if fb.Backend != nil {
			roots = appendExprs(roots, fb.Backend.Attrs)
		}
	}
	for _, p := range mod.providers {
		roots = appendExprs(roots, p.Attrs)
	}
	for _, nb := range mod.notifies {
		roots = appendExprs(roots, nb.Attrs)
		for _, inner := range []*nestedBlock{nb.Webhook, nb.Email} {
			if inner != nil {
				roots = appendExprs(roots, inner.Attrs)
			}
		}
	}
	l.evalLocalsFor(mod.locals, roots)
	return l.evalSettings(mod)
}

// evalSettings evaluates the ferry, provider and notify blocks of mod into a new Config.
func (l *loader) evalSettings(mod *module) *Config {
	cfg := &Config{Dir: l.dir, Providers: map[string]providers.Config{}}
	before := len(l.diags)
	l.evalFerry(mod.ferry, cfg)
	l.ferryErrors = l.diags[before:].HasErrors()
	for _, p := range mod.providers {
		cfg.Providers[p.Name] = l.evalProvider(p)
	}
	for _, nb := range mod.notifies {
		if rc, ok := l.evalNotify(nb); ok {
			cfg.Notify = append(cfg.Notify, rc)
		}
	}
	return cfg
}

// appendExprs appends the expressions of attrs to exprs.
func appendExprs(exprs []hcl.Expression, attrs hcl.Attributes) []hcl.Expression {
	for _, a := range attrs {
		exprs = append(exprs, a.Expr)
	}
	return exprs
}

// evaluate parses l.sources, decodes them into the source model, and evaluates the model.
func (l *loader) evaluate() *Config {
	mod := l.decode()
	if mod == nil {
		return nil
	}
	vars := l.evalVariablesOf(mod)
	l.evalLocals(mod.locals)

	cfg := l.evalSettings(mod)
	blocks := map[string]*resourceBlock{}
	instancesOf := map[string][]model.Addr{}
	for _, rb := range mod.resources {
		key := rb.Kind + "." + rb.Name
		blocks[key] = rb
		insts := l.evalResource(rb)
		for _, inst := range insts {
			instancesOf[key] = append(instancesOf[key], inst.Addr)
		}
		cfg.Instances = append(cfg.Instances, insts...)
	}
	sort.Slice(cfg.Instances, func(i, j int) bool { return cfg.Instances[i].Addr < cfg.Instances[j].Addr })
	l.expandDependsOn(cfg, blocks, instancesOf)
	l.checkDuplicates(cfg)
	cfg.Imports = l.evalImports(mod.imports, cfg, blocks, instancesOf)
	cfg.Hash = l.hash(vars)
	return cfg
}

// readSpecFile reads one spec file of the directory: a regular file of at most MaxSpecFileBytes,
// inside the directory with --restrict-files (a spec file that is a link to elsewhere is refused).
func (l *loader) readSpecFile(name string) ([]byte, bool) {
	full := filepath.Join(l.dir, name)
	if l.opts.RestrictFiles {
		if ok, err := regfile.Inside(l.dir, full); err != nil || !ok {
			l.errorf(&hcl.Range{Filename: name, Start: hcl.InitialPos, End: hcl.InitialPos}, "Spec file outside the spec directory",
				"%s is a symbolic link to a file outside %s; --restrict-files reads only files inside the spec directory.", name, l.dir)
			return nil, false
		}
	}
	src, err := regfile.Read(full, MaxSpecFileBytes)
	switch {
	case errors.Is(err, regfile.ErrTooLarge):
		l.diags = append(l.diags, checkSize(name, MaxSpecFileBytes+1))
		return nil, false
	case err != nil:
		l.errorf(nil, "Cannot read a spec file", "%s.", fmt.Errorf("read %s: %w", name, err))
		return nil, false
	}
	return src, true
}

// errorf appends an error diagnostic.
func (l *loader) errorf(subject *hcl.Range, summary, format string, args ...any) {
	l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: subject})
}

// dedupeDiags drops diagnostics identical to an earlier one (the same expression evaluated for
// many for_each instances fails the same way each time).
func dedupeDiags(diags hcl.Diagnostics) hcl.Diagnostics {
	seen := map[string]bool{}
	out := diags[:0]
	for _, d := range diags {
		k := fmt.Sprintf("%d|%s|%s|%v", d.Severity, d.Summary, d.Detail, d.Subject)
		if d.Subject != nil {
			k = fmt.Sprintf("%d|%s|%s|%s:%d", d.Severity, d.Summary, d.Detail, d.Subject.Filename, d.Subject.Start.Byte)
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, d)
	}
	return out
}
