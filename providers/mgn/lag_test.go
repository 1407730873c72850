package mgn

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"PT5M", 5 * time.Minute, true},
		{"PT2H", 2 * time.Hour, true},
		{"PT0S", 0, true},
		{"PT2M30.5S", 2*time.Minute + 30*time.Second + 500*time.Millisecond, true},
		{"PT0,25S", 250 * time.Millisecond, true},
		{"P1DT4H", 28 * time.Hour, true},
		{"P3D", 72 * time.Hour, true},
		{"P1W", 7 * 24 * time.Hour, true},
		{"P1DT0.001S", 24*time.Hour + time.Millisecond, true},
		{"PT1.5H", 90 * time.Minute, true},
		{"", 0, false},
		{"P", 0, false},
		{"PT", 0, false},
		{"P1DT", 0, false},
		{"PT5", 0, false},
		{"5M", 0, false},
		{"P0Y0M0DT0H5M0S", 5 * time.Minute, true},
		{"P0Y0M0DT0H0M12.5S", 12*time.Second + 500*time.Millisecond, true},
		{"P0D", 0, true},
		{"PT36H", 36 * time.Hour, true},
		{"P1M", 31 * 24 * time.Hour, true},
		{"P1Y", 366 * 24 * time.Hour, true},
		{"P1M1Y", 0, false},
		{"PT1Y", 0, false},
		{"-PT5M", 0, false},
		{"PT1M1H", 0, false},
		{"PT1H1H", 0, false},
		{"P1H", 0, false},
		{"PT1D", 0, false},
		{"PT-1S", 0, false},
		{"PT1.2.3S", 0, false},
		{"PTT1S", 0, false},
		{"P1DT1HT1M", 0, false},
		{"P99999999999999999999D", 0, false},
	}
	for _, tc := range cases {
		got, err := ParseDuration(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"PT5M", "P1DT2H3M4.5S", "P1W", "PT0,5S"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err == nil && d < 0 {
			t.Fatalf("ParseDuration(%q) = %v < 0", s, d)
		}
	})
}
