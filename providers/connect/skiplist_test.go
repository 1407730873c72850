package connect

import "testing"

func TestAppendRemoveKeepBytes(t *testing.T) {
	orig := "AS-0000-0000-0001, AS-0000-0000-0002,PR-0000-0000-0001-001 , TA-0000-0000-0001,AS-0000-0000-0003"
	tests := []struct {
		name, got, want string
	}{
		{"append two", Append(orig, "AS-1564-9639-4055", "PR-3590-4186-1549-001"), orig + ",AS-1564-9639-4055,PR-3590-4186-1549-001"},
		{"append present", Append(orig, "AS-0000-0000-0002"), orig},
		{"append to empty", Append("", "AS-1", "AS-2"), "AS-1,AS-2"},
		{"append after trailing comma", Append("AS-1,", "AS-2"), "AS-1,AS-2"},
		{"remove last", Remove(orig+",AS-9,PR-8", "PR-8"), orig + ",AS-9"},
		{"remove middle", Remove("A, B, C", "B"), "A, C"},
		{"remove first", Remove("A, B, C", "A"), "B, C"},
		{"remove only", Remove("A", "A"), ""},
		{"remove absent", Remove(orig, "ZZ"), orig},
		{"remove padded", Remove(orig, "PR-0000-0000-0001-001"), "AS-0000-0000-0001, AS-0000-0000-0002, TA-0000-0000-0001,AS-0000-0000-0003"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	if got := Entries(" A ,, B"); len(got) != 2 || got[0] != "A" || got[1] != "B" {
		t.Errorf("Entries = %q", got)
	}
}
