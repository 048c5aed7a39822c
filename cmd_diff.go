package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/urfave/cli/v2"

	"vsync/internal/envops"
)

func diffCommand(sys *world) *cli.Command {
	return &cli.Command{
		Name:      "diff",
		Usage:     "compare the local folder, the remote and generations",
		UsageText: "vsync diff ENV [A [B]] [--reveal]",
		Description: `vsync diff ENV        the newest generation vs the local folder
vsync diff ENV A      generation A vs the local folder
vsync diff ENV A B    generation A vs generation B

Lists files added (+), removed (-) or changed (~) and, in dotenv files, the
keys added, removed or changed. Values are shown only with --reveal.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "reveal", Usage: "show the values of changed keys"},
		},
		Action: func(c *cli.Context) error {
			a, err := args(c, 1, 3, "ENV [A [B]] [--reveal]")
			if err != nil {
				return err
			}
			opts := diffOptions{Env: a[0], Reveal: c.Bool("reveal")}
			for i, s := range a[1:] {
				n, err := strconv.ParseUint(s, 10, 64)
				if err != nil || n == 0 {
					return usageErrorf("invalid generation %q: generations are numbered from 1", s)
				}
				if i == 0 {
					opts.A = n
				} else {
					opts.B = n
				}
			}
			return runDiff(c.Context, sys, opts)
		},
	}
}

type diffOptions struct {
	Env    string
	A, B   uint64 // 0: A is the newest generation, B is the local folder
	Reveal bool
}

// runDiff is `vsync diff`: envops.Diff chooses the two sides and compares
// them.
func runDiff(ctx context.Context, sys *world, opts diffOptions) error {
	cwd, err := sys.Getwd()
	if err != nil {
		return err
	}
	v, err := openEnvVault(ctx, sys, cwd, opts.Env, true)
	if err != nil {
		return err
	}
	d, err := envops.Diff(ctx, v.ops(sys, opts.Env), envops.DiffOptions{A: opts.A, B: opts.B, Cwd: cwd})
	if err != nil {
		return err
	}
	fmt.Fprintf(sys.Stdout, "--- %s\n+++ %s\n", d.LeftName, d.RightName)
	if len(d.Changes) == 0 {
		fmt.Fprintln(sys.Stdout, "no differences")
		return nil
	}
	printChanges(sys.Stdout, d.Changes, "", opts.Reveal)
	return nil
}
