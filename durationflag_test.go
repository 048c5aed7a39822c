package main

import (
	"errors"
	"testing"
	"time"
)

func TestDurationValue(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"10", 10 * time.Second}, {"2.5", 2500 * time.Millisecond}, {"0", 0}, {" 3 ", 3 * time.Second},
		{"10s", 10 * time.Second}, {"500ms", 500 * time.Millisecond}, {"1m30s", 90 * time.Second}, {"1.5h", 90 * time.Minute},
	} {
		var v durationValue
		if err := v.Set(tc.in); err != nil || v.d != tc.want {
			t.Errorf("Set(%q) = %v, %v; want %v", tc.in, v.d, err, tc.want)
		}
	}
	for _, in := range []string{"", "soon", "10x", "1e3", "0x10", "inf", "NaN", "1_0", "-1", "-1s", "1e400", "99999999999999999999"} {
		var v durationValue
		if err := v.Set(in); err == nil {
			t.Errorf("Set(%q) = %v, want an error", in, v.d)
		}
	}
}

// FuzzDurationValue: any value is refused with one of the two documented
// errors, or gives a duration that is not negative: the Go duration when s
// is one, else s seconds.
func FuzzDurationValue(f *testing.F) {
	for _, s := range []string{"10", "2.5", "10s", "500ms", "-1", "soon", "1e3", "9223372036.854775807", ".5", "5."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v durationValue
		err := v.Set(s)
		if err != nil {
			if !errors.Is(err, errDurationForm) && err.Error() != "must not be negative" {
				t.Fatalf("Set(%q): %v", s, err)
			}
			return
		}
		if v.d < 0 {
			t.Fatalf("Set(%q) = %v", s, v.d)
		}
		if d, err := time.ParseDuration(s); err == nil && d != v.d {
			t.Fatalf("Set(%q) = %v, want the duration %v", s, v.d, d)
		}
	})
}
