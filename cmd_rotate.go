package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/urfave/cli/v2"

	"vsync/internal/history"
	"vsync/internal/workspace"
	"vsync/vault"
)

func rotatePassphraseCommand(sys *sysEnv) *cli.Command {
	return &cli.Command{
		Name:      "rotate-passphrase",
		Usage:     "make every object of an env readable with a new passphrase only",
		UsageText: "vsync rotate-passphrase --env ENV [--new-passphrase X | --new-passphrase-file F] [--allow-weak-passphrase]",
		Description: `Re-wraps every object of the env, each generation oldest first and then
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
break, is refused (exit 64).`,
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
	NewPass   []byte // nil: the pending one, else generated
	AllowWeak bool
}

func runRotate(ctx context.Context, sys *sysEnv, opts rotateOptions) error {
	v, err := openWorkdirVault(ctx, sys, opts.Env, true)
	if err != nil {
		return err
	}
	env := opts.Env
	pending, err := home(sys).LoadPendingRotation(v.Location, env)
	if err != nil {
		return err
	}
	newPass, generated, err := chooseNewPassphrase(sys, opts, pending)
	if err != nil {
		return err
	}
	if bytes.Equal(newPass, v.Passphrase) {
		if opts.NewPass == nil && pending != nil {
			return finishCompleteRotation(sys, v, newPass)
		}
		return usageErrorf("the new passphrase of env %q is the current one", env)
	}
	var resume *history.Resume
	if pending != nil && bytes.Equal(pending.Pass, newPass) {
		resume = &history.Resume{Base: pending.Base}
	}
	gens, err := v.Generations(ctx)
	if err != nil {
		return err
	}
	r, err := newRotation(sys, v, newPass, generated, gens[len(gens)-1], resume)
	if err != nil {
		return err
	}
	rec, err := r.Run(ctx, author(ctx, sys, v.Project.Dir), resume)
	if err != nil {
		return rotateError(err, r, sys, v, env)
	}
	if err := completeRotation(sys, v, newPass, rec); err != nil {
		return err
	}
	fmt.Fprintf(sys.Stdout, "env %q: passphrase rotated: %s rewrapped (%d already %s); generation %d records the rotation\n",
		env, plural(r.Rewrapped, "object"), r.Already, wasWere(r.Already), rec.Gen)
	fmt.Fprintf(sys.Stdout, "the new passphrase is stored for this user in %s; deployments need it in VSYNC_PASSPHRASE or VSYNC_PASSPHRASE_FILE\n", mustConfigDir(sys))
	if p, _ := home(sys).PassphraseFromEnv(); p != nil {
		fmt.Fprintf(sys.Stderr, "vsync: warning: VSYNC_PASSPHRASE / VSYNC_PASSPHRASE_FILE still give the old passphrase, and take precedence over the stored one\n")
	}
	if !rec.Published {
		warnNotPublished(sys.Stderr, rec.Gen, env)
	}
	return nil
}

// chooseNewPassphrase is the passphrase to rotate to: the one given (held
// to the rules of a chosen one), else the pending one of an unfinished
// rotation, else one typed at a terminal, else a generated one
// (generated).
func chooseNewPassphrase(sys *sysEnv, opts rotateOptions, pending *workspace.PendingRotation) (pass []byte, generated bool, err error) {
	switch {
	case opts.NewPass != nil:
		// A line break would not read back from the store or the pending
		// entry, and every object would be rotated to a passphrase lost.
		if err := workspace.CheckChosenPassphrase(opts.NewPass, opts.AllowWeak, "the new passphrase"); err != nil {
			return nil, false, err
		}
		return opts.NewPass, false, nil
	case pending != nil:
		return pending.Pass, false, nil
	}
	if fd, ok := stdinTerminal(sys); ok {
		// At a terminal: type one (twice), or Enter to have one generated.
		if pass, err = promptPassphrase(sys, fd, fmt.Sprintf("new passphrase of env %q (Enter: generate one): ", opts.Env), true); err != nil {
			return nil, false, err
		}
		if len(pass) > 0 {
			if err := workspace.CheckChosenPassphrase(pass, opts.AllowWeak, "the new passphrase"); err != nil {
				return nil, false, err
			}
			return pass, false, nil
		}
	}
	if pass, err = generatePassphrase(); err != nil {
		return nil, false, err
	}
	return pass, true, nil
}

// finishCompleteRotation handles a pending rotation whose new passphrase
// is the current one: the last run stored the new passphrase but died
// before dropping the pending entry, so the rotation is complete. Only the
// store tells: VSYNC_PASSPHRASE(_FILE) may give the new passphrase while
// objects still need the old one.
func finishCompleteRotation(sys *sysEnv, v *envVault, newPass []byte) error {
	env := v.Store.Env
	if !pendingIsStored(sys, v.Location, env, newPass) {
		return withHint(usageErrorf("VSYNC_PASSPHRASE / VSYNC_PASSPHRASE_FILE give the new passphrase of the unfinished rotation of env %q", env),
			"to finish it, run the same command with the old passphrase there, or with neither set to use the stored one")
	}
	if err := home(sys).RemovePendingRotation(v.Location, env); err != nil {
		return err
	}
	fmt.Fprintf(sys.Stdout, "env %q: the rotation to the pending passphrase was already complete\n", env)
	return nil
}

// newRotation is the rotation of v to newPass, starting from the
// generation startTip: one salt for every object rewrapped under a chosen
// passphrase, the pending entry saved (and a generated passphrase printed)
// before the first write, each object rewritten printed.
func newRotation(sys *sysEnv, v *envVault, newPass []byte, generated bool, startTip uint64, resume *history.Resume) (*history.Rotation, error) {
	env := v.Store.Env
	newOpts := history.SealOptions(newPass, sys.Hooks.S2KCount, v.Store.MaxSize)
	// One salt for every object rewrapped under a chosen passphrase: the
	// rotation and every later read of the history derive the new key
	// once (see docs/format.md); the old passphrase's keys are cached too.
	newOpts.Keys = &v.Keys
	if !newOpts.HighEntropy {
		var err error
		if newOpts.Salt, err = vault.NewSalt(); err != nil {
			return nil, err
		}
	}
	return &history.Rotation{
		Store:    v.Store,
		Location: v.Location,
		OldPass:  v.Passphrase,
		NewPass:  newPass,
		NewOpts:  newOpts,
		Rewrote:  func(what string) { fmt.Fprintf(sys.Stdout, "rewrapped %s\n", what) },
		BeforeFirstWrite: func() error {
			base := startTip
			if resume != nil {
				base = resume.Base
			}
			if err := home(sys).StorePendingRotation(v.Location, env, workspace.PendingRotation{Pass: newPass, Base: base}); err != nil {
				return fmt.Errorf("saving the new passphrase before rotating: %w", err)
			}
			if generated {
				fmt.Fprintf(sys.Stdout, "\nthe new passphrase of env %q (shown only this once; keep it in your team's password manager):\n\n    %s\n\n", env, newPass)
			}
			return nil
		},
		AfterWrite: func(n int) {
			if sys.Hooks.RotateStopAfter > 0 && n == sys.Hooks.RotateStopAfter {
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			}
		},
	}, nil
}

// completeRotation stores the new passphrase, drops the pending entry and
// moves the local state to the record.
func completeRotation(sys *sysEnv, v *envVault, newPass []byte, rec history.Record) error {
	env := v.Store.Env
	if err := home(sys).StorePassphrase(v.Location, env, newPass); err != nil {
		return fmt.Errorf("the rotation is complete, but storing the new passphrase failed (it is still in the pending entry): %w", err)
	}
	if err := home(sys).RemovePendingRotation(v.Location, env); err != nil {
		return err
	}
	if rec.Sum != "" {
		return advanceState(v, rec)
	}
	return nil
}

// pendingIsStored reports whether the local store holds pass, the pending
// entry's passphrase, which it does only once the rotation is complete.
func pendingIsStored(sys *sysEnv, key, env string, pass []byte) bool {
	path, err := home(sys).PassphrasePath(key, env)
	if err != nil {
		return false
	}
	stored, err := workspace.ReadPassphraseFile(path)
	return err == nil && bytes.Equal(stored, pass)
}

// rotateError explains a rotation that stopped: how far it got and how to
// finish, or, with nothing rewritten, that nothing changed.
func rotateError(err error, r *history.Rotation, sys *sysEnv, v *envVault, env string) error {
	if r.Rewrapped > 0 {
		where, _ := home(sys).PendingPath(v.Location, env)
		return withHint(err, fmt.Sprintf("the rotation is unfinished: %s rewrapped and every object opens with the old or the new passphrase; run the same command again to finish (the new passphrase is kept in %q)", plural(r.Rewrapped, "object"), where))
	}
	if hasOwnHint(err) {
		return err
	}
	err = fmt.Errorf("%w; nothing was changed", err)
	if errors.Is(err, vault.ErrWrongPassphrase) {
		return withHint(err, fmt.Sprintf("check VSYNC_PASSPHRASE / VSYNC_PASSPHRASE_FILE or the stored passphrase (\"vsync passphrase set %s\")", env))
	}
	return err
}

// advanceState moves the env's local state from the rotated generation to
// the record, which holds the same files, so that the next push from this
// folder is not refused as based on an old generation. A state based on
// another generation is left alone.
func advanceState(v *envVault, rec history.Record) error {
	st, err := v.Project.LoadState(v.Store.Env)
	if err != nil {
		return err
	}
	if st.Generation != rec.Parent {
		return nil
	}
	st.Generation, st.PayloadSHA256 = rec.Gen, rec.Sum
	if err := v.Project.SaveState(st); err != nil {
		return fmt.Errorf("the rotation is complete, but recording generation %d locally failed: %w", rec.Gen, err)
	}
	return nil
}
