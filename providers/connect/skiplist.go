package connect

import "strings"

// The skip list is the comma-separated text of a configuration value. ferry never rewrites it: it
// appends ",ENTRY" and removes exactly the tokens it added, and every other byte stays as it was.

// token is one comma-separated piece of the value: its raw text (with any blanks around it) and
// where it starts.
type token struct {
	raw   string
	start int
}

func tokens(value string) []token {
	var out []token
	start := 0
	for i := 0; i <= len(value); i++ {
		if i == len(value) || value[i] == ',' {
			out = append(out, token{raw: value[start:i], start: start})
			start = i + 1
		}
	}
	return out
}

// Entries returns the non-empty entries of a value, trimmed, in order.
func Entries(value string) []string {
	var out []string
	for _, t := range tokens(value) {
		if e := strings.TrimSpace(t.raw); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// Has reports whether the value holds entry.
func Has(value, entry string) bool {
	for _, t := range tokens(value) {
		if strings.TrimSpace(t.raw) == entry {
			return true
		}
	}
	return false
}

// Append appends each entry the value does not hold yet as ",ENTRY", keeping the existing text
// byte for byte (an empty value gets "ENTRY" without a leading comma; a value that already ends in
// a comma gets no second one).
func Append(value string, entries ...string) string {
	for _, e := range entries {
		if Has(value, e) {
			continue
		}
		switch {
		case strings.TrimSpace(value) == "":
			value += e
		case strings.HasSuffix(strings.TrimRight(value, " \t"), ","):
			value += e
		default:
			value += "," + e
		}
	}
	return value
}

// Remove removes the token that is exactly entry (blanks aside) with the comma that joined it to
// its neighbour; every other byte stays. A value without the entry is returned unchanged.
func Remove(value, entry string) string {
	ts := tokens(value)
	for i, t := range ts {
		if strings.TrimSpace(t.raw) != entry {
			continue
		}
		end := t.start + len(t.raw)
		switch {
		case len(ts) == 1:
			return value[:t.start] + value[end:]
		case i > 0:
			// Drop the comma before it and the token: "A, B, C" → "A, C".
			return value[:t.start-1] + value[end:]
		default:
			// The first token: drop it, the comma after it and the blanks that followed the comma.
			next := ts[1]
			lead := len(next.raw) - len(strings.TrimLeft(next.raw, " \t"))
			return value[:t.start] + value[next.start+lead:]
		}
	}
	return value
}
