package main

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
)

// durationValue is the value of a duration flag: a Go duration ("10s",
// "1m30s", "500ms") or, as Foreman's -t, a bare number of seconds ("10",
// "2.5"). Negative durations are refused.
type durationValue struct{ d time.Duration }

// errDurationForm is what a bad duration flag value is told.
var errDurationForm = errors.New("want seconds (10, 2.5) or a duration (10s, 1m30s, 500ms)")

// Set parses s; see durationValue.
func (v *durationValue) Set(s string) error {
	d, err := parseDuration(s)
	if err != nil {
		return err
	}
	v.d = d
	return nil
}

// parseDuration reads s as every duration flag does: see durationValue.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	d, err := time.ParseDuration(s)
	if err != nil {
		secs, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || math.IsNaN(secs) || math.IsInf(secs, 0) || strings.ContainsAny(s, "xXpPeE_") ||
			secs*float64(time.Second) >= math.MaxInt64 {
			return 0, errDurationForm
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d < 0 {
		return 0, errors.New("must not be negative")
	}
	return d, nil
}

// String is the value as a Go duration (for --help's defaults).
func (v *durationValue) String() string {
	if v == nil {
		return ""
	}
	return v.d.String()
}

// durationFlag is a flag taking a durationValue, default value; read it
// with durationOf.
func durationFlag(name string, aliases []string, value time.Duration, usage string) *cli.GenericFlag {
	return &cli.GenericFlag{Name: name, Aliases: aliases, Value: &durationValue{d: value}, Usage: usage}
}

// durationOf is the value of the durationFlag name.
func durationOf(c *cli.Context, name string) time.Duration {
	if v, ok := c.Generic(name).(*durationValue); ok {
		return v.d
	}
	return 0
}
