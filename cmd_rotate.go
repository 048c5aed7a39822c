package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"syscall"

	"github.com/urfave/cli/v2"

	"vsync/internal/history"
	"vsync/internal/workspace"
)

const rotateHelp = `Re-wraps every object of the env, each generation oldest first and then
current.pgp, under the new passphrase: the session key of each OpenPGP message
is wrapped again and the encrypted data is kept byte for byte, so the payloads
and the hash chain do not change. Afterwards the old passphrase opens nothing,
and a new generation (same files, note "rotate passphrase") records the
rotation. Running deployments keep serving the generation they have, and
their "vsync status" says "rotated" (exit 0, not "stale": a restart would
only fail) until they get the new passphrase.

The current passphrase comes from VSYNC_PASSPHRASE, VSYNC_PASSPHRASE_FILE or
the local store. Without --new-passphrase(-file), at a terminal it asks for
the new one (twice, without echo; Enter alone: generate one); elsewhere a
passphrase is generated. A generated one is printed once, before the first
object is rewritten. A chosen one needs at least 16 characters unless
--allow-weak-passphrase, as for init and passphrase set.

Every rewrite is a conditional PUT (If-Match), so a teammate's concurrent push
is rewrapped too, never overwritten. Interrupted at any point, every object
still opens with the old or the new passphrase: run the same command again to
finish. The new passphrase is kept meanwhile as a pending entry beside the
stored one, and the rerun picks it up; the stored passphrase becomes the new
one only when the rotation is complete.

A current passphrase that opens nothing changes nothing (exit 67); a new
passphrase equal to the current one, a short chosen one, or one with a line
break, is refused (exit 64).`

func rotatePassphraseCommand(sys *sysEnv) *cli.Command {
	return &cli.Command{
		Name:        "rotate-passphrase",
		Usage:       "make every object of an env readable with a new passphrase only",
		UsageText:   "vsync rotate-passphrase --env ENV [--new-passphrase X | --new-passphrase-file F] [--allow-weak-passphrase]",
		Description: rotateHelp,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "env", Usage: "the env to rotate (required)"},
			&cli.StringFlag{Name: "new-passphrase", Usage: "the new passphrase (else the pending one, else generated)"},
			&cli.StringFlag{Name: "new-passphrase-file", Usage: "read the new passphrase from the first line of this file"},
			allowWeakFlag(),
		},
		Action: func(c *cli.Context) error {
			if _, err := args(c, 0, 0, "--env ENV [--new-passphrase X]"); err != nil {
				return err
			}
			if c.String("env") == "" {
				return usageErrorf("rotate-passphrase needs --env ENV")
			}
			opts := rotateOptions{Env: c.String("env"), AllowWeak: c.Bool("allow-weak-passphrase")}
			switch np, nf := c.String("new-passphrase"), c.String("new-passphrase-file"); {
			case np != "" && nf != "":
				return usageErrorf("give --new-passphrase or --new-passphrase-file, not both")
			case np != "":
				opts.NewPass = []byte(np)
			case nf != "":
				p, err := workspace.ReadPassphraseFile(nf)
				if err != nil {
					return fmt.Errorf("--new-passphrase-file: %w", err)
				}
				opts.NewPass = p
			}
			return runRotate(c.Context, sys, opts)
		},
	}
}

type rotateOptions struct {
	Env       string
	NewPass   []byte // nil: the pending one, else typed at a terminal, else generated
	AllowWeak bool
}

// runRotate is `vsync rotate-passphrase`: history.Rotation does the work,
// the local store keeps the new passphrase (pending, then stored).
func runRotate(ctx context.Context, sys *sysEnv, opts rotateOptions) error {
	v, err := openWorkdirVault(ctx, sys, opts.Env, true)
	if err != nil {
		return err
	}
	env, h := opts.Env, home(sys)
	pending, err := h.LoadPendingRotation(v.Location, env)
	if err != nil {
		return err
	}
	newPass, generated, err := rotationPassphrase(sys, opts.Env, opts.NewPass, pending, opts.AllowWeak)
	if err != nil {
		return err
	}
	var resume *history.Resume
	switch {
	case opts.NewPass == nil && pending != nil && bytes.Equal(newPass, v.Passphrase):
		if err := h.FinishRotation(v.Location, env, newPass); err != nil {
			return err
		}
		fmt.Fprintf(sys.Stdout, "env %q: the rotation to the pending passphrase was already complete\n", env)
		return nil
	case pending != nil && bytes.Equal(pending.Pass, newPass):
		resume = &history.Resume{Base: pending.Base}
	}
	r, err := v.NewRotation(ctx, newPass, sys.Hooks.S2KCount, resume)
	if err != nil {
		return err
	}
	r.KeptIn, _ = h.PendingPath(v.Location, env)
	r.Rewrote = func(what string) { fmt.Fprintf(sys.Stdout, "rewrapped %s\n", what) }
	r.BeforeFirstWrite = func() error {
		if err := h.StorePendingRotation(v.Location, env, workspace.PendingRotation{Pass: newPass, Base: r.Base}); err != nil {
			return fmt.Errorf("saving the new passphrase before rotating: %w", err)
		}
		if generated {
			printGenerated(sys.Stdout, env, newPass)
		}
		return nil
	}
	if n := sys.Hooks.RotateStopAfter; n > 0 {
		r.AfterWrite = func(writes int) {
			if writes == n {
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			}
		}
	}
	rec, err := r.Run(ctx, author(ctx, sys, v.Project.Dir), resume)
	if err != nil {
		return err
	}
	if err := h.CompleteRotation(v.Location, env, newPass); err != nil {
		return err
	}
	if rec.Sum != "" {
		if err := v.Project.AdvanceState(env, rec.Parent, rec.Gen, rec.Sum); err != nil {
			return err
		}
	}
	fmt.Fprintf(sys.Stdout, "env %q: passphrase rotated: %s rewrapped (%d already %s); generation %d records the rotation\n",
		env, plural(r.Rewrapped, "object"), r.Already, wasWere(r.Already), rec.Gen)
	fmt.Fprintf(sys.Stdout, "the new passphrase is stored for this user in %s; deployments need it in VSYNC_PASSPHRASE or VSYNC_PASSPHRASE_FILE\n", passphraseDir(sys))
	if p, _ := h.PassphraseFromEnv(); p != nil {
		fmt.Fprintf(sys.Stderr, "vsync: warning: VSYNC_PASSPHRASE / VSYNC_PASSPHRASE_FILE still give the old passphrase, and take precedence over the stored one\n")
	}
	if !rec.Published {
		warnNotPublished(sys.Stderr, rec.Gen, env)
	}
	return nil
}
