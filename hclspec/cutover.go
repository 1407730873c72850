package hclspec

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/ferry-dev/ferry/model"
)

// evalCutover evaluates and checks a cutover instance.
func (l *loader) evalCutover(r *attrReader, rb *resourceBlock) *model.Cutover {
	c := &model.Cutover{}
	c.SourceServerID, _, _ = r.str("source_server_id", true, serverCheck)
	c.RequireTest = r.boolean("require_test", true)
	if s, rng, ok := r.str("max_lag", false); ok {
		d, err := parseISODuration(s)
		if err != nil {
			r.problem(rng, "Invalid max_lag", capitalize(err.Error())+".")
		} else {
			c.MaxLag, c.MaxLagISO = d, s
		}
	}
	c.Finalize = r.boolean("finalize", false)
	// MarkAsArchived is valid only for a server in CUTOVER or DISCONNECTED, which a cutover reaches
	// only through FinalizeCutover: archive without finalize could never be done.
	if v, rng, ok := r.value("archive", cty.Bool); ok {
		c.Archive = v.True()
		if c.Archive && !c.Finalize {
			r.problem(rng, "archive needs finalize",
				"MarkAsArchived is valid only once the server is in CUTOVER, which FinalizeCutover reaches: set finalize = true, or remove archive.")
		}
	}
	if t := rb.Nested[blockTimeouts]; len(t) > 0 {
		tr := r.nested(t[0].Attrs, "timeouts.")
		c.Timeout = tr.timeout("cutover")
	}
	return c
}
