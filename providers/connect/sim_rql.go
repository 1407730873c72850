package connect

import (
	"net/url"
	"strings"
)

// rqlNode is one parsed RQL call: and(…), or(…), eq(field,value), ne(field,value), in(field,(…)),
// out(field,(…)).
type rqlNode struct {
	op    string
	field string
	vals  []string
	args  []rqlNode
}

// parseRQL reads the RQL terms of a raw query string (terms joined by &; limit, offset and other
// key=value pairs are skipped). A term that does not parse is dropped, as Connect ignores what it
// does not understand.
func parseRQL(raw string) []rqlNode {
	var out []rqlNode
	for _, term := range strings.Split(raw, "&") {
		if term == "" || (strings.Contains(term, "=") && !strings.Contains(term, "(")) {
			continue
		}
		if u, err := url.QueryUnescape(term); err == nil {
			term = u
		}
		if n, rest, ok := parseCall(term, 0); ok && rest == "" {
			out = append(out, n)
		}
	}
	return out
}

// maxRQLDepth bounds the nesting of and/or/not, so a hostile query cannot recurse without end.
const maxRQLDepth = 16

func parseCall(s string, depth int) (rqlNode, string, bool) {
	open := strings.IndexByte(s, '(')
	if open <= 0 || depth > maxRQLDepth {
		return rqlNode{}, s, false
	}
	n := rqlNode{op: s[:open]}
	s = s[open+1:]
	switch n.op {
	case "and", "or", "not":
		for {
			arg, rest, ok := parseCall(s, depth+1)
			if !ok {
				return n, s, false
			}
			n.args = append(n.args, arg)
			s = rest
			if strings.HasPrefix(s, ",") {
				s = s[1:]
				continue
			}
			if strings.HasPrefix(s, ")") {
				return n, s[1:], true
			}
			return n, s, false
		}
	case "eq", "ne", "in", "out", "ilike", "like":
		comma := strings.IndexByte(s, ',')
		if comma < 0 {
			return n, s, false
		}
		n.field, s = s[:comma], s[comma+1:]
		if strings.HasPrefix(s, "(") {
			end := strings.IndexByte(s, ')')
			if end < 0 {
				return n, s, false
			}
			n.vals = strings.Split(s[1:end], ",")
			s = s[end+1:]
		} else {
			end := strings.IndexByte(s, ')')
			if end < 0 {
				return n, s, false
			}
			n.vals, s = []string{s[:end]}, s[end:]
		}
		if !strings.HasPrefix(s, ")") {
			return n, s, false
		}
		return n, s[1:], true
	}
	return n, s, false
}

// match evaluates the node against an object's declared filter fields; a field the collection does
// not declare is ignored (true), as Connect ignores undeclared filters.
func (n rqlNode) match(fields map[string]string) bool {
	switch n.op {
	case "and":
		for _, a := range n.args {
			if !a.match(fields) {
				return false
			}
		}
		return true
	case "or":
		for _, a := range n.args {
			if a.match(fields) {
				return true
			}
		}
		return len(n.args) == 0
	case "not":
		return len(n.args) == 1 && !n.args[0].match(fields)
	}
	v, declared := fields[n.field]
	if !declared {
		return true
	}
	in := false
	for _, want := range n.vals {
		if want == v {
			in = true
		}
	}
	switch n.op {
	case "eq", "in":
		return in
	case "ne", "out":
		return !in
	}
	return true
}

func matchAll(nodes []rqlNode, fields map[string]string) bool {
	for _, n := range nodes {
		if !n.match(fields) {
			return false
		}
	}
	return true
}
