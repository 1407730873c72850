package planner

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ferry-dev/ferry/internal/atomicfile"
	"github.com/ferry-dev/ferry/internal/regfile"
)

// ErrStalePlan is returned (wrapped) when a saved plan no longer matches the state or the spec.
var ErrStalePlan = errors.New("saved plan is stale")

// checksumPrefix starts every plan file: the SHA-256 of the rest of the plan's JSON (the object
// without this member) follows in hex, then `",`.
const checksumPrefix = `{"checksum":"sha256:`

// WriteFile saves a plan as JSON (atomically and durably: a crash never leaves half a plan). The
// file starts with a checksum of the plan, so that ReadFile refuses a plan changed after it was
// written (by hand, or cut short by a copy).
func WriteFile(path string, p *Plan) error {
	body, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode plan: %w", err)
	}
	sum := sha256.Sum256(body)
	data := make([]byte, 0, len(checksumPrefix)+sha256.Size*2+3+len(body))
	data = append(data, checksumPrefix...)
	data = hex.AppendEncode(data, sum[:])
	data = append(data, `",`...)
	data = append(data, body[1:]...)
	if err := atomicfile.Write(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	return nil
}

// MaxPlanFileBytes bounds a plan file ReadFile reads (a plan of 100 000 subscriptions is about
// 130 MB).
const MaxPlanFileBytes = 512 << 20

// ReadFile loads a plan saved by WriteFile: a regular file of at most MaxPlanFileBytes (a FIFO or a
// device is refused before it is read).
func ReadFile(path string) (*Plan, error) {
	data, err := regfile.Read(path, MaxPlanFileBytes)
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
	if !checksumMatches(data) {
		return nil, fmt.Errorf("read plan %s: the file was changed after ferry plan wrote it (its checksum does not match); "+
			"make the plan again with ferry plan --out FILE", path)
	}
	return &p, nil
}

// checksumMatches reports whether data is a plan file as WriteFile wrote it: the checksum member
// first, and the SHA-256 of the rest of the object equal to it.
func checksumMatches(data []byte) bool {
	data = bytes.TrimSuffix(data, []byte("\n"))
	n := len(checksumPrefix) + sha256.Size*2
	if !bytes.HasPrefix(data, []byte(checksumPrefix)) || len(data) < n+3 || string(data[n:n+2]) != `",` {
		return false
	}
	want, err := hex.DecodeString(string(data[len(checksumPrefix):n]))
	if err != nil {
		return false
	}
	h := sha256.New()
	h.Write([]byte("{"))
	h.Write(data[n+2:])
	return bytes.Equal(h.Sum(nil), want)
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
