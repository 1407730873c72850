package hclspec

import (
	"fmt"

	"github.com/ferry-dev/ferry/model"
	"github.com/hashicorp/hcl/v2"
)

// DefaultSkipListParameter is the Connect parameter that holds the processor skip list.
const DefaultSkipListParameter = "processor_skip_list"

// evalSkipList evaluates and checks a skip_list instance. It also returns where each kept entry
// was written.
func (l *loader) evalSkipList(r *attrReader) (*model.SkipList, []hcl.Range) {
	s := &model.SkipList{Parameter: DefaultSkipListParameter}
	s.Product, _, _ = r.str("product", true, productCheck)
	s.Marketplace, _, _ = r.str("marketplace", true, marketplaceCheck)
	if p, _, ok := r.str("parameter", false, parameterCheck); ok {
		s.Parameter = p
	}
	entries, ranges, ok := r.stringList("entries", true)
	if !ok {
		return s, nil
	}
	first := map[string]int{}
	s.Entries = make([]string, 0, len(entries))
	kept := make([]hcl.Range, 0, len(entries))
	for i, e := range entries {
		if p := entryCheck.Problem(e); p != "" {
			r.problem(ranges[i], entryCheck.Summary, p)
			continue
		}
		if j, dup := first[e]; dup {
			r.problem(ranges[i], "Duplicate skip-list entry",
				fmt.Sprintf("%s is listed twice: it is entry %d and entry %d (at %s). List each entry once.", e, j+1, i+1, where(ranges[j])))
			continue
		}
		first[e] = i
		s.Entries = append(s.Entries, e)
		kept = append(kept, ranges[i])
	}
	return s, kept
}
