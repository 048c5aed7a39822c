package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"vsync/internal/envops"
)

func pushCommand(sys *world) *cli.Command {
	return &cli.Command{
		Name:      "push",
		Usage:     "upload the env's folder as a new generation",
		UsageText: "vsync push ENV --note TEXT",
		Description: `Encrypts infra/vault/ENV/ (every file, at any depth) as generation N+1 and
publishes it with conditional writes: when two people push at once, exactly
one wins and the other gets a conflict (exit 72) and loses nothing. A push
from a folder based on an older generation than the remote's newest is
refused (exit 72): pull first. A push with nothing changed since the base
generation pushes nothing (exit 74). Every dotenv file (.env, .env.*) must
parse (exit 65 names the file and line). A bundle over the maximum bundle
size (--max-bundle-size, else the profile's max_bundle_size, else 256MiB) is
refused (exit 65) before anything is sent. The author is $VSYNC_AUTHOR, else
"git config user.email", else $USER@hostname.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "note", Usage: "what changed and why (required)"},
			maxBundleFlag(),
		},
		Action: func(c *cli.Context) error {
			a, err := args(c, 1, 1, "ENV --note TEXT")
			if err != nil {
				return err
			}
			if strings.TrimSpace(c.String("note")) == "" {
				return usageErrorf("push needs --note TEXT: say what changed")
			}
			maxBundle, err := maxBundleFrom(c)
			if err != nil {
				return err
			}
			return runPush(c.Context, sys, pushOptions{Env: a[0], Note: c.String("note"), MaxBundle: maxBundle})
		},
	}
}

type pushOptions struct {
	Env       string
	Note      string
	MaxBundle int64 // --max-bundle-size; 0: the profile's or the default
}

// runPush is `vsync push`: envops.Push does the work.
func runPush(ctx context.Context, sys *world, opts pushOptions) error {
	v, err := openWorkdirVault(ctx, sys, opts.Env, true)
	if err != nil {
		return err
	}
	pushed, err := envops.Push(ctx, v.ops(sys, opts.Env), envops.PushOptions{
		Note: opts.Note, Author: author(ctx, sys, v.Project.Dir), MaxBundle: opts.MaxBundle, S2KCount: sys.Hooks.S2KCount,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(sys.Stdout, "env %q: pushed generation %d (%s) to %s\n", opts.Env, pushed.Gen, plural(pushed.Files, "file"), v.Location)
	if !pushed.Published {
		warnNotPublished(sys.Stderr, pushed.Gen, opts.Env)
	}
	return nil
}
