package providers

import (
	"errors"
	"strings"
	"testing"
)

func TestReadAnswer(t *testing.T) {
	for _, tc := range []struct {
		n       int
		tooLong bool
	}{{0, false}, {10, false}, {16, false}, {17, true}, {1000, true}} {
		data, err := ReadAnswer(strings.NewReader(strings.Repeat("x", tc.n)), 16)
		if got := errors.Is(err, ErrAnswerTooLarge); got != tc.tooLong {
			t.Errorf("%d bytes: err %v; want too large %v", tc.n, err, tc.tooLong)
		}
		if len(data) > 16 {
			t.Errorf("%d bytes: %d read", tc.n, len(data))
		}
	}
	_, err := ReadAnswer(strings.NewReader(strings.Repeat("x", 9<<20)), 8<<20)
	if err == nil || err.Error() != "answer too large: larger than 8 MiB, the most ferry reads of one answer" {
		t.Errorf("err = %v", err)
	}
}
