package providers

import (
	"strconv"
	"strings"
)

// ContentRange is a list answer's "Content-Range: items First-Last/Total" header, as CloudBlue
// Connect and the APS controller of CloudBlue Commerce send it with every page of a collection.
// Total is -1 when the server wrote "*".
type ContentRange struct{ First, Last, Total int }

// ParseContentRange reads "items a-b/total" (total may be "*": -1). Anything else, or a range whose
// last item comes before its first, is not one (false).
func ParseContentRange(h string) (ContentRange, bool) {
	h = strings.TrimSpace(h)
	rest, ok := strings.CutPrefix(h, "items ")
	if !ok {
		return ContentRange{}, false
	}
	span, tot, ok := strings.Cut(strings.TrimSpace(rest), "/")
	if !ok {
		return ContentRange{}, false
	}
	a, b, ok := strings.Cut(span, "-")
	if !ok {
		return ContentRange{}, false
	}
	first, err1 := strconv.Atoi(a)
	last, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || first < 0 || last < first {
		return ContentRange{}, false
	}
	total := -1
	if tot != "*" {
		n, err := strconv.Atoi(tot)
		if err != nil || n < 0 {
			return ContentRange{}, false
		}
		total = n
	}
	return ContentRange{first, last, total}, true
}
