package planner

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/ferry-dev/ferry/internal/atomicfile"
)

// ErrStalePlan is returned (wrapped) when a saved plan no longer matches the state or the spec.
var ErrStalePlan = errors.New("saved plan is stale")

// WriteFile saves a plan as JSON (atomically and durably: a crash never leaves half a plan).
func WriteFile(path string, p *Plan) error {
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode plan: %w", err)
	}
	if err := atomicfile.Write(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	return nil
}

// ReadFile loads a plan saved by WriteFile.
func ReadFile(path string) (*Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	var p Plan
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("read plan %s: not a ferry plan file: %w", path, err)
	}
	if p.FormatVersion == 0 {
		var probe map[string]json.RawMessage
		_ = json.Unmarshal(data, &probe)
		_, hasLineage := probe["lineage"]
		_, hasResources := probe["resources"]
		if hasLineage && hasResources {
			return nil, fmt.Errorf("%s is not a plan file: it looks like a ferry state file. Make a plan file with "+
				"ferry plan --out FILE, or run ferry apply without a file to plan and apply", path)
		}
		return nil, fmt.Errorf("%s is not a ferry plan file (it has no format_version); make one with ferry plan --out FILE", path)
	}
	if p.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("read plan %s: format version %d is not supported by this ferry (wants %d); make the plan again",
			path, p.FormatVersion, FormatVersion)
	}
	return &p, nil
}

// CheckFresh refuses a plan made against another state, an older serial of this state, or another spec.
func (p *Plan) CheckFresh(lineage string, serial uint64, specHash string) error {
	switch {
	case p.Lineage == "" && serial != 0:
		return fmt.Errorf("%w: it was made before the state existed, and the state has been written since; run ferry plan again",
			ErrStalePlan)
	case p.Lineage != "" && p.Lineage != lineage:
		return fmt.Errorf("%w: it was made for state lineage %s, but the state is lineage %s; run ferry plan again",
			ErrStalePlan, p.Lineage, lineage)
	case p.Serial != serial:
		return fmt.Errorf("%w: the state has changed since the plan was made (serial %d, now %d); run ferry plan again",
			ErrStalePlan, p.Serial, serial)
	case p.SpecHash != specHash:
		return fmt.Errorf("%w: the spec files (or the files they read) or the variable values differ from when the plan was made; "+
			"pass the same --var, --var-file and FERRY_VAR_ values as for ferry plan, or run ferry plan again", ErrStalePlan)
	}
	return nil
}
