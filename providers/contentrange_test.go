package providers

import "testing"

func TestParseContentRange(t *testing.T) {
	for h, want := range map[string]ContentRange{
		"items 0-99/250":   {0, 99, 250},
		" items 2-2/3 ":    {2, 2, 3},
		"items 100-199/*":  {100, 199, -1},
		"items 0-0/0":      {0, 0, 0},
		"items 10-19/1000": {10, 19, 1000},
	} {
		if got, ok := ParseContentRange(h); !ok || got != want {
			t.Errorf("%q = %+v, %v; want %+v", h, got, ok, want)
		}
	}
	for _, bad := range []string{"", "bytes 0-9/10", "items 9-0/10", "items -1-5/10", "items 0-5", "items a-b/c", "items 0-5/-2"} {
		if got, ok := ParseContentRange(bad); ok {
			t.Errorf("%q read as %+v", bad, got)
		}
	}
}
