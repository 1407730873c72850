package hclspec

import "github.com/ferry-dev/ferry/model"

// evalCutover evaluates and checks a cutover instance.
func (l *loader) evalCutover(r *attrReader) *model.Cutover {
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
	c.Archive = r.boolean("archive", false)
	return c
}
