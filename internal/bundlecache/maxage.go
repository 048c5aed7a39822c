package bundlecache

import (
	"fmt"
	"time"
)

// DefaultMaxAge is --cache-max-age's default: a day rides out an outage
// of the bucket or of the network of a few hours, overnight included,
// while a deployment that has not reached its bucket for longer stops
// starting on secrets that may have been rotated since.
const DefaultMaxAge = 24 * time.Hour

// futureSkew is how far in the future a record's fetch time may be (the
// clocks of two hosts sharing the directory) before it is refused.
const futureSkew = time.Minute

// AgeError: a cached bundle too old for the max age, or whose record is
// dated in the future, serves no start.
type AgeError struct {
	Generation uint64
	Env        string
	Age        time.Duration // negative: in the future
	MaxAge     time.Duration
}

func (e *AgeError) Error() string {
	if e.Age < 0 {
		return fmt.Sprintf("the cached generation %d of env %q records a fetch time %s in the future",
			e.Generation, e.Env, (-e.Age).Round(time.Second))
	}
	return fmt.Sprintf("the cached generation %d of env %q was fetched %s ago, more than --cache-max-age %s",
		e.Generation, e.Env, RoundAge(e.Age), e.MaxAge)
}

// CheckAge is the max-age rule: the bundle of rec may serve an offline
// start at now when it was fetched at most maxAge before, and not more
// than a minute after (the clock of another host). It returns the age,
// and an *AgeError when the bundle may not serve.
func CheckAge(rec Record, maxAge time.Duration, now time.Time) (time.Duration, error) {
	age := now.Sub(rec.FetchedAt)
	if age < -futureSkew || age > maxAge {
		return age, &AgeError{Generation: rec.Generation, Env: rec.Env, Age: age, MaxAge: maxAge}
	}
	return age, nil
}

// RoundAge is an age for messages: to the second, "0s" for one in the
// future.
func RoundAge(d time.Duration) time.Duration {
	return max(d, 0).Round(time.Second)
}
