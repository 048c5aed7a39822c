package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"vsync/internal/envops"
)

func pullCommand(sys *world) *cli.Command {
	return &cli.Command{
		Name:      "pull",
		Usage:     "download a generation into the env's folder",
		UsageText: "vsync pull ENV [--generation N] [--force]",
		Description: `Fetches, decrypts and checks the newest generation (or generation N) in
full before touching anything, then replaces infra/vault/ENV/ atomically: the
new folder is staged beside it and renamed into place. A failure leaves the
folder exactly as it was. Local edits that were never pushed (files that differ
from the last push or pull) are not overwritten (exit 73) unless --force.
A pull that is killed leaves its staging directory infra/vault/.ENV.pull-N
(a plaintext copy); the next vault command in the project removes it, or
puts the folder back if the pull was killed half-way, and says so on stderr.`,
		Flags: []cli.Flag{
			&cli.Uint64Flag{Name: "generation", Aliases: []string{"g"}, Usage: "pull generation `N` instead of the newest"},
			&cli.BoolFlag{Name: "force", Usage: "overwrite local edits that were never pushed"},
			maxBundleFlag(),
		},
		Action: func(c *cli.Context) error {
			a, err := args(c, 1, 1, "ENV [--generation N] [--force]")
			if err != nil {
				return err
			}
			if c.IsSet("generation") && c.Uint64("generation") == 0 {
				return usageErrorf("generations start at 1")
			}
			maxBundle, err := maxBundleFrom(c)
			if err != nil {
				return err
			}
			return runPull(c.Context, sys, pullOptions{Env: a[0], Generation: c.Uint64("generation"), Force: c.Bool("force"), MaxBundle: maxBundle})
		},
	}
}

type pullOptions struct {
	Env        string
	Generation uint64 // 0: the newest
	Force      bool
	MaxBundle  int64 // --max-bundle-size; 0: the profile's or the default
}

// runPull is `vsync pull`: envops.Pull does the work.
func runPull(ctx context.Context, sys *world, opts pullOptions) error {
	v, err := openWorkdirVault(ctx, sys, opts.Env, true)
	if err != nil {
		return err
	}
	pulled, err := envops.Pull(ctx, v.ops(sys, opts.Env), envops.PullOptions{Generation: opts.Generation, Force: opts.Force, MaxBundle: opts.MaxBundle})
	if err != nil {
		return err
	}
	fmt.Fprintf(sys.Stdout, "env %q: pulled generation %d (%s)\n", opts.Env, pulled.Gen, plural(pulled.Files, "file"))
	return nil
}
