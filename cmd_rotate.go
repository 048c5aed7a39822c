package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/urfave/cli/v2"

	"vsync/s3bundle"
	"vsync/vault"
)

// rotationNote is the note of the generation that records a rotation.
const rotationNote = "rotate passphrase"

// maxRotateRounds bounds how often the rotation starts over because other
// pushes keep adding generations.
const maxRotateRounds = 8

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
				p, err := readPassphraseFile(nf)
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
	pending, err := loadPendingRotation(sys, v.Key, env)
	if err != nil {
		return err
	}
	newPass, generated := opts.NewPass, false
	switch {
	case newPass != nil:
		// A line break would not read back from the store or the pending
		// entry, and every object would be rotated to a passphrase lost.
		if err := checkChosenPassphrase(newPass, opts.AllowWeak, "the new passphrase"); err != nil {
			return err
		}
	case pending != nil:
		newPass = pending.Pass
	default:
		if fd, ok := stdinTerminal(sys); ok {
			// At a terminal: type one (twice), or Enter to have one generated.
			if newPass, err = promptPassphrase(sys, fd, fmt.Sprintf("new passphrase of env %q (Enter: generate one): ", env), true); err != nil {
				return err
			}
			if len(newPass) > 0 {
				if err := checkChosenPassphrase(newPass, opts.AllowWeak, "the new passphrase"); err != nil {
					return err
				}
				break
			}
		}
		if newPass, err = generatePassphrase(); err != nil {
			return err
		}
		generated = true
	}
	if bytes.Equal(newPass, v.Passphrase) {
		if opts.NewPass == nil && pending != nil {
			// The last run stored the new passphrase but died before
			// dropping the pending entry: the rotation is complete. Only
			// the store tells: VSYNC_PASSPHRASE(_FILE) may give the new
			// passphrase while objects still need the old one.
			if !pendingIsStored(sys, v.Key, env, newPass) {
				return withHint(usageErrorf("VSYNC_PASSPHRASE / VSYNC_PASSPHRASE_FILE give the new passphrase of the unfinished rotation of env %q", env),
					"to finish it, run the same command with the old passphrase there, or with neither set to use the stored one")
			}
			if err := removePendingRotation(sys, v.Key, env); err != nil {
				return err
			}
			fmt.Fprintf(sys.Stdout, "env %q: the rotation to the pending passphrase was already complete\n", env)
			return nil
		}
		return usageErrorf("the new passphrase of env %q is the current one", env)
	}
	resuming := pending != nil && bytes.Equal(pending.Pass, newPass)

	gens, err := v.Store.Generations(ctx)
	if err != nil {
		return fmt.Errorf("listing the generations of %s: %w", v.Key, err)
	}
	if len(gens) == 0 {
		return errorf(exitNotFound, fmt.Sprintf("with nothing pushed there is nothing to re-key: store a new passphrase with \"vsync passphrase set %s --no-check\"", env),
			"nothing was pushed to env %q yet (%s)", env, v.Key)
	}
	startTip := gens[len(gens)-1]

	newOpts := sealOptionsMax(newPass, sys.Hooks, v.Store.MaxSize)
	// One salt for every object rewrapped under a chosen passphrase: the
	// rotation and every later read of the history derive the new key
	// once (see docs/format.md); the old passphrase's keys are cached too.
	newOpts.Keys = &v.Keys
	if !newOpts.HighEntropy {
		if newOpts.Salt, err = vault.NewSalt(); err != nil {
			return err
		}
	}
	r := &rotation{
		Store:   v.Store,
		OldPass: v.Passphrase,
		NewPass: newPass,
		NewOpts: newOpts,
		Out:     sys.Stdout,
		BeforeFirstWrite: func() error {
			base := startTip
			if resuming {
				base = pending.Base
			}
			if err := storePendingRotation(sys, v.Key, env, pendingRotation{Pass: newPass, Base: base}); err != nil {
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
	}
	rec, err := rotateAndRecord(ctx, sys, v, r, pending, resuming)
	if err != nil {
		return rotateError(err, r, sys, v, env)
	}

	if err := storePassphrase(sys, v.Key, env, newPass); err != nil {
		return fmt.Errorf("the rotation is complete, but storing the new passphrase failed (it is still in the pending entry): %w", err)
	}
	if err := removePendingRotation(sys, v.Key, env); err != nil {
		return err
	}
	if rec.Sum != "" {
		if err := advanceState(v, rec); err != nil {
			return err
		}
	}
	fmt.Fprintf(sys.Stdout, "env %q: passphrase rotated: %s rewrapped (%d already %s); generation %d records the rotation\n",
		env, plural(r.Rewrapped, "object"), r.Already, wasWere(r.Already), rec.Gen)
	fmt.Fprintf(sys.Stdout, "the new passphrase is stored for this user in %s; deployments need it in VSYNC_PASSPHRASE or VSYNC_PASSPHRASE_FILE\n", mustConfigDir(sys))
	if p, _ := passphraseFromEnv(sys); p != nil {
		fmt.Fprintf(sys.Stderr, "vsync: warning: VSYNC_PASSPHRASE / VSYNC_PASSPHRASE_FILE still give the old passphrase, and take precedence over the stored one\n")
	}
	if !rec.Published {
		fmt.Fprintf(sys.Stderr, "vsync: warning: generation %d is stored but current.pgp still holds an older one; runtimes see it after the next \"vsync pull %s\"\n", rec.Gen, env)
	}
	return nil
}

// pendingIsStored reports whether the local store holds pass, the pending
// entry's passphrase, which it does only once the rotation is complete.
func pendingIsStored(sys *sysEnv, key, env string, pass []byte) bool {
	path, err := passphraseStorePath(sys, key, env)
	if err != nil {
		return false
	}
	stored, err := readPassphraseFile(path)
	return err == nil && bytes.Equal(stored, pass)
}

// rotationRecord is the generation that records a rotation.
type rotationRecord struct {
	Gen       uint64
	Parent    uint64
	Sum       string // its payload's SHA-256; empty when an earlier run pushed it
	Published bool   // current.pgp holds it
}

// rotateAndRecord rewraps the whole history and current.pgp, then commits
// the generation that records the rotation; when another push took that
// generation number meanwhile (with the old passphrase), it rewraps the
// new generations and tries again. A resumed rotation whose record an
// earlier run already pushed (the newest generation is a rotation record
// newer than the rotation's base, and no generation needed rewrapping)
// pushes no second one.
func rotateAndRecord(ctx context.Context, sys *sysEnv, v *envVault, r *rotation, pending *pendingRotation, resuming bool) (rotationRecord, error) {
	done := map[uint64]bool{}
	for range maxRotateRounds {
		if err := r.rewrapHistory(ctx, done); err != nil {
			return rotationRecord{}, err
		}
		tip, cur, err := v.Store.Tip(ctx)
		if err != nil {
			return rotationRecord{}, fmt.Errorf("reading the history of %s: %w", v.Key, err)
		}
		if !done[tip] {
			continue // generations were pushed meanwhile
		}
		b, sum, err := fetchBundle(ctx, v.Store, r.NewPass, r.NewOpts.Keys, tip)
		if err != nil {
			return rotationRecord{}, err
		}
		switch {
		case r.Rewrapped == 0 && !resuming:
			return rotationRecord{}, withCode(quietWrap(vault.ErrWrongPassphrase,
				"every object of env %q already opens with the new passphrase, so the current one opens none; nothing was changed", v.Env), exitPassphrase,
				fmt.Sprintf("if a rotation to it was interrupted, run it again on the machine that started it; else the passphrase is already rotated: \"vsync passphrase set %s\"", v.Env))
		case resuming && r.Rewrapped == 0 && tip > pending.Base && b.Manifest.Note == rotationNote:
			return rotationRecord{Gen: tip, Parent: tip - 1, Published: true}, nil
		}
		ct, newSum, err := sealGeneration(v.Env, tip, sum, author(ctx, sys, v.Project.Dir), rotationNote, b.Files, r.NewPass, r.NewOpts)
		if err != nil {
			return rotationRecord{}, fmt.Errorf("encrypting env %q: %w", v.Env, err)
		}
		rec := rotationRecord{Gen: tip + 1, Parent: tip, Sum: newSum, Published: true}
		err = v.Store.Commit(ctx, rec.Gen, ct, cur)
		if err == nil || errors.Is(err, s3bundle.ErrNotPublished) {
			r.wrote()
		}
		switch {
		case errors.Is(err, s3bundle.ErrNotPublished):
			rec.Published = false
		case errors.Is(err, s3bundle.ErrConflict):
			continue // a push with the old passphrase took the number: rewrap it too
		case err != nil:
			return rotationRecord{}, fmt.Errorf("recording the rotation as generation %d of env %q: %w", rec.Gen, v.Env, err)
		}
		if !rec.Published {
			// current.pgp may still hold an older generation a
			// concurrent push put there with the old passphrase.
			if err := r.rewrapObject(ctx, v.Store.CurrentKey(), "current.pgp"); err != nil && !errors.Is(err, s3bundle.ErrNotExist) {
				return rotationRecord{}, err
			}
		}
		return rec, nil
	}
	return rotationRecord{}, errorf(exitConflict, "run the same command again to finish",
		"env %q kept getting new generations during the rotation (%d rounds)", v.Env, maxRotateRounds)
}

// rotateError explains a rotation that stopped: how far it got and how to
// finish, or, with nothing rewritten, that nothing changed.
func rotateError(err error, r *rotation, sys *sysEnv, v *envVault, env string) error {
	if r.Rewrapped > 0 {
		where, _ := pendingPassphrasePath(sys, v.Key, env)
		return withHint(err, fmt.Sprintf("the rotation is unfinished: %s rewrapped and every object opens with the old or the new passphrase; run the same command again to finish (the new passphrase is kept in %q)", plural(r.Rewrapped, "object"), where))
	}
	var ce *cliError
	if errors.As(err, &ce) && ce.hint != "" {
		return err
	}
	err = quietWrap(err, "%s; nothing was changed", err)
	if errors.Is(err, vault.ErrWrongPassphrase) {
		return withHint(err, fmt.Sprintf("check VSYNC_PASSPHRASE / VSYNC_PASSPHRASE_FILE or the stored passphrase (\"vsync passphrase set %s\")", env))
	}
	return err
}

// advanceState moves the env's local state from the rotated generation to
// the record, which holds the same files, so that the next push from this
// folder is not refused as based on an old generation. A state based on
// another generation is left alone.
func advanceState(v *envVault, rec rotationRecord) error {
	st, err := loadState(v.Project, v.Env)
	if err != nil {
		return err
	}
	if st.Generation != rec.Parent {
		return nil
	}
	st.Generation, st.PayloadSHA256 = rec.Gen, rec.Sum
	if err := saveState(v.Project, st); err != nil {
		return fmt.Errorf("the rotation is complete, but recording generation %d locally failed: %w", rec.Gen, err)
	}
	return nil
}
