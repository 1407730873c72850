package mgn

import (
	"testing"

	"github.com/ferry-dev/ferry/model"
)

// FuzzDecodeParams: a step's parameters as a plan file or the journal holds them give parameters or
// an error, never a panic.
func FuzzDecodeParams(f *testing.F) {
	for _, s := range []string{``, `null`, `{}`, `[]`, `{"source_server_id":"s-1234567890abcdef0","batch":["a"]}`,
		`{"account_id":1,"products":[{"planId":null}]}`, `{"x":1e999}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = decodeParams(model.Step{Name: "start_cutover", Params: data})
	})
}
