package app

import (
	"bytes"
	"testing"
)

func TestRedactor(t *testing.T) {
	cases := []struct {
		secrets  []string
		in, want string
	}{
		{[]string{"t3nant-s3cr3t-abc"}, "tenant t3nant-s3cr3t-abc and xt3nant-s3cr3t-abcx\n", "tenant (sensitive value) and x(sensitive value)x\n"},
		{[]string{"ferry"}, "on main.ferry.hcl:3:1: value \"ferry\" here\n", "on main.ferry.hcl:3:1: value \"(sensitive value)\" here\n"},
		{[]string{"x"}, "Using the ferry sandbox; tenant = x\n", "Using the ferry sandbox; tenant = (sensitive value)\n"},
		{[]string{"abc", "abcdefghij"}, "abcdefghij abc\n", "(sensitive value) (sensitive value)\n"},
	}
	for _, c := range cases {
		var b bytes.Buffer
		w := newRedactor(&b, c.secrets)
		if _, err := w.Write([]byte(c.in)); err != nil {
			t.Fatal(err)
		}
		if b.String() != c.want {
			t.Errorf("secrets %q: %q → %q, want %q", c.secrets, c.in, b.String(), c.want)
		}
	}
}
