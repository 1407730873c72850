package hclspec

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"sort"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// hash returns the hex SHA-256 over the spec files (sorted by name), the files read with file()
// (sorted by path) and the variable values (sorted by name). The values of sensitive variables
// are left out, so that nothing derived from a secret reaches a plan file.
func (l *loader) hash(vars map[string]cty.Value) string {
	h := sha256.New()
	fmt.Fprint(h, "ferry-spec-v1\n")
	writeSection(h, "spec", l.sources)
	writeSection(h, "file", l.fr.read)
	names := make([]string, 0, len(vars))
	for n := range vars {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v := vars[n]
		var js []byte
		if v.IsWhollyKnown() && !l.sensitiveVars[n] {
			js, _ = ctyjson.Marshal(v, v.Type())
		}
		fmt.Fprintf(h, "var\x00%s\x00%d\x00", n, len(js))
		h.Write(js)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// writeSection writes named byte strings in name order, each length-prefixed.
func writeSection[T string | []byte](h hash.Hash, kind string, m map[string]T) {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00", kind, n, len(m[n]))
		writeChunks(h, m[n])
	}
}

// writeChunks writes v to h a piece at a time: a string of a file read by file() is not copied
// whole into a byte slice.
func writeChunks[T string | []byte](h hash.Hash, v T) {
	const chunk = 64 << 10
	for len(v) > 0 {
		n := min(len(v), chunk)
		h.Write([]byte(v[:n]))
		v = v[n:]
	}
}
