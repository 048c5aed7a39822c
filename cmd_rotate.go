package main

import (
	"context"
	"fmt"
	"os"
	"syscall"

	"github.com/urfave/cli/v2"

	"vsync/internal/envops"
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

func rotatePassphraseCommand(sys *world) *cli.Command {
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

// runRotate is `vsync rotate-passphrase`: envops.Rotate does the work;
// the new passphrase is chosen here (rotationPassphrase) and a generated
// one printed before the first object is rewritten.
func runRotate(ctx context.Context, sys *world, opts rotateOptions) error {
	v, err := openWorkdirVault(ctx, sys, opts.Env, true)
	if err != nil {
		return err
	}
	env := opts.Env
	var newPass []byte
	var generated bool
	ropts := envops.RotateOptions{
		Given: opts.NewPass != nil,
		Choose: func(pending *workspace.PendingRotation) ([]byte, error) {
			var err error
			newPass, generated, err = rotationPassphrase(sys, env, opts.NewPass, pending, opts.AllowWeak)
			return newPass, err
		},
		Author:   author(ctx, sys, v.Project.Dir),
		S2KCount: sys.Hooks.S2KCount,
		Rewrote:  func(what string) { fmt.Fprintf(sys.Stdout, "rewrapped %s\n", what) },
		Saved: func() {
			if generated {
				printGenerated(sys.Stdout, env, newPass)
			}
		},
	}
	if n := sys.Hooks.RotateStopAfter; n > 0 {
		ropts.AfterWrite = func(writes int) {
			if writes == n {
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			}
		}
	}
	rot, err := envops.Rotate(ctx, v.ops(sys, env), ropts)
	if err != nil {
		return err
	}
	if rot.AlreadyComplete {
		fmt.Fprintf(sys.Stdout, "env %q: the rotation to the pending passphrase was already complete\n", env)
		return nil
	}
	fmt.Fprintf(sys.Stdout, "env %q: passphrase rotated: %s rewrapped (%d already %s); generation %d records the rotation\n",
		env, plural(rot.Rewrapped, "object"), rot.Already, wasWere(rot.Already), rot.Gen)
	fmt.Fprintf(sys.Stdout, "the new passphrase is stored for this user in %s; deployments need it in VSYNC_PASSPHRASE or VSYNC_PASSPHRASE_FILE\n", passphraseDir(sys))
	if rot.EnvGivesOld {
		fmt.Fprintf(sys.Stderr, "vsync: warning: VSYNC_PASSPHRASE / VSYNC_PASSPHRASE_FILE still give the old passphrase, and take precedence over the stored one\n")
	}
	if !rot.Published {
		warnNotPublished(sys.Stderr, rot.Gen, env)
	}
	return nil
}
