package hclspec

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/notify"
	"github.com/ferry-dev/ferry/providers"
)

// Options are the inputs of Load from outside the spec files.
type Options struct {
	// Vars are raw "name=value" pairs from --var, in order (later wins).
	Vars []string
	// VarFiles are paths of --var-file files (HCL syntax: name = value), in order (later wins).
	VarFiles []string
	// Getenv reads FERRY_VAR_<name> for each declared variable; nil means no environment.
	Getenv func(string) string
	// Environ is os.Environ(); FERRY_VAR_<name>=value entries in it set variables (even to "").
	// It is consulted before Getenv. Nil means none.
	Environ []string
	// Providers is the provider table: the provider blocks it declares are the valid ones, and it
	// says which providers serve each resource kind. Nil: no provider is known.
	Providers providers.Table
	// MaxFileBytes bounds what file() reads (--max-file-size); 0 means DefaultMaxFileBytes.
	MaxFileBytes int64
	// RestrictFiles confines file() to the spec directory, symbolic links resolved, and refuses spec
	// files that are links to outside it (--restrict-files, for CI on untrusted pull requests).
	RestrictFiles bool
}

// Config is an evaluated spec.
type Config struct {
	// Dir is the spec directory.
	Dir string
	// StatePath is ferry { state = … }, or "" when unset.
	StatePath string
	// Parallelism is ferry { parallelism = … }, or 0 when unset.
	Parallelism int
	// Reports is ferry { reports = … }: the directory of run reports, or "" when unset.
	Reports string
	// Notify holds the notify blocks, in the order of the files.
	Notify []notify.Receiver
	// Backend is ferry { backend "postgres" { … } }, or nil: the state is the local file.
	Backend *Backend
	// Providers holds the provider blocks by name.
	Providers map[string]providers.Config
	// Instances are the resource instances, sorted by Addr, with DependsOn expanded to instance
	// addresses.
	Instances []model.Instance
	// Imports are the import blocks; each target instance's ImportID and ImportRange are set too.
	Imports []Import
	// Hash is the hex SHA-256 over the spec files (sorted by name), the files read with file(), and
	// the variable values.
	Hash string
	// Sensitive holds the secrets to redact from output, as Files.Sensitive: the strings and
	// numbers of the values marked sensitive (sensitive variables as given and as converted, and
	// what provider blocks computed from them).
	Sensitive []string
}

// BackendPostgres is the type of the PostgreSQL backend block.
const BackendPostgres = "postgres"

// Backend is a ferry { backend "TYPE" { … } } block: where a shared state is kept. Each value is
// empty when the block does not set it (the defaults and --backend-config are applied by app).
type Backend struct {
	// Type is the block's label ("postgres").
	Type string
	// ConnStrEnv names the environment variable holding the connection string.
	ConnStrEnv string
	// Schema holds ferry's tables.
	Schema string
	// Workspace names the state.
	Workspace string
	// DeclRange is where the block is.
	DeclRange hcl.Range
}

// Import is an import block: adopt the existing object ID for the instance To.
type Import struct {
	To        model.Addr
	ID        string
	DeclRange hcl.Range
}

// Instance returns the instance with address addr, or nil.
func (c *Config) Instance(addr model.Addr) *model.Instance {
	lo, hi := 0, len(c.Instances)
	for lo < hi {
		m := (lo + hi) / 2
		if c.Instances[m].Addr < addr {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(c.Instances) && c.Instances[lo].Addr == addr {
		return &c.Instances[lo]
	}
	return nil
}
