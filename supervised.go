package main

import (
	"context"
	"os"
	"time"

	"vsync/internal/runtimevault"
	"vsync/internal/supervise"
)

// runSupervised runs start under supervise.Run with what p prepared:
// once, or with --watch (wo.Interval > 0) polling the bucket p's vault
// came from. In both cases the status socket answers.
func runSupervised(ctx context.Context, sys *sysEnv, p *runtimevault.Prepared, wo supervise.Options, fetchTimeout time.Duration,
	sigs <-chan os.Signal, start supervise.Incarnation) (int, error) {
	return supervise.Run(ctx, p, supervise.Config{
		Options:      wo,
		FetchTimeout: fetchTimeout,
		Stderr:       sys.Stderr,
		Debug:        sys.Getenv("VSYNC_DEBUG") == "watch",
	}, sigs, start)
}
