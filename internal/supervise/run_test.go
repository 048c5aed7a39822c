package supervise

import (
	"context"
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"vsync/internal/childenv"
	"vsync/internal/runtimevault"
)

// --watch needs a vault from a bucket; without --watch, Run runs the child
// once with the prepared environment, and not under ctx: stop signals
// reach it on sigs.
func TestRunOnceOrNotWatchable(t *testing.T) {
	started := false
	start := func(ctx context.Context, vars []childenv.Var, _ <-chan os.Signal) (int, error) {
		started = true
		if ctx.Done() != nil || len(vars) != 1 || vars[0].Key != "A" {
			t.Errorf("started with a cancellable context or vars %v", vars)
		}
		return 3, nil
	}
	local := &runtimevault.Prepared{Vars: []childenv.Var{{Key: "A", Value: "1"}},
		Vault: &runtimevault.Loaded{Vault: childenv.Vault{Env: "prod", Generation: 1}}}
	watching := Config{Options: Options{Interval: time.Second}, Stderr: io.Discard}
	for _, p := range []*runtimevault.Prepared{{}, local} {
		if _, err := Run(t.Context(), p, watching, nil, start); !errors.Is(err, ErrNotWatchable) || started {
			t.Errorf("--watch without a bucket: %v (started %v)", err, started)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if code, err := Run(ctx, local, Config{Stderr: io.Discard}, nil, start); code != 3 || err != nil || !started {
		t.Errorf("single run: %d, %v (started %v)", code, err, started)
	}
}
