package supervise

import (
	"errors"
	"syscall"
	"testing"
	"time"
)

func TestParseOptions(t *testing.T) {
	str := func(s string) *string { return &s }
	parse := func(s string) (time.Duration, error) { return time.ParseDuration(s) }
	if o, err := ParseOptions(str("10s"), str("hup"), parse); err != nil || o.Interval != 10*time.Second || o.Reload != syscall.SIGHUP {
		t.Errorf("--watch=10s --reload-signal hup: %+v, %v", o, err)
	}
	if o, err := ParseOptions(nil, nil, parse); err != nil || o != (Options{}) {
		t.Errorf("no flags: %+v, %v", o, err)
	}
	var ie *IntervalError
	for _, w := range []string{"10ms", "", "soon"} {
		if _, err := ParseOptions(str(w), nil, parse); !errors.As(err, &ie) || ie.Given != w {
			t.Errorf("--watch=%q: %v, want an *IntervalError", w, err)
		}
	}
	var re *ReloadSignalError
	for _, s := range []string{"TERM", "SIGINT", "quit", "NOPE"} {
		if _, err := ParseOptions(str("1s"), str(s), parse); !errors.As(err, &re) || re.Given != s {
			t.Errorf("--reload-signal %s: %v, want a *ReloadSignalError", s, err)
		}
	}
	if _, err := ParseOptions(nil, str("USR1"), parse); !errors.Is(err, ErrReloadNeedsWatch) {
		t.Errorf("--reload-signal without --watch: %v", err)
	}
}
