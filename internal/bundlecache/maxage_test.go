package bundlecache

import (
	"errors"
	"testing"
	"time"
)

// The max-age rule: up to maxAge old, and at most a minute in the future.
func TestCheckAge(t *testing.T) {
	now := time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		fetched time.Duration // before now
		ok      bool
		msg     string
	}{
		{59 * time.Minute, true, ""},
		{time.Hour, true, ""},
		{61 * time.Minute, false, `the cached generation 5 of env "prod" was fetched 1h1m0s ago, more than --cache-max-age 1h0m0s`},
		{-59 * time.Second, true, ""},
		{-2 * time.Minute, false, `the cached generation 5 of env "prod" records a fetch time 2m0s in the future`},
	} {
		rec := Record{Env: "prod", Generation: 5, FetchedAt: now.Add(-tc.fetched)}
		age, err := CheckAge(rec, time.Hour, now)
		var ae *AgeError
		switch {
		case age != tc.fetched:
			t.Errorf("fetched %v ago: age %v", tc.fetched, age)
		case tc.ok && err != nil:
			t.Errorf("fetched %v ago: %v, want it to serve", tc.fetched, err)
		case !tc.ok && (!errors.As(err, &ae) || err.Error() != tc.msg):
			t.Errorf("fetched %v ago: %v, want %q", tc.fetched, err, tc.msg)
		}
	}
	if got := RoundAge(-3 * time.Second); got != 0 {
		t.Errorf("RoundAge of a future age: %v, want 0s", got)
	}
}
