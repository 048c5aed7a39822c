package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"vsync/internal/childenv"
	"vsync/internal/history"
	"vsync/internal/workspace"
	"vsync/vault"
)

func pushCommand(sys *sysEnv) *cli.Command {
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

func runPush(ctx context.Context, sys *sysEnv, opts pushOptions) error {
	v, err := openWorkdirVault(ctx, sys, opts.Env, true)
	if err != nil {
		return err
	}
	env := opts.Env
	v.Store.MaxSize = v.Profile.BundleLimit(opts.MaxBundle)
	files, size, err := readPushable(v, env)
	if err != nil {
		return err
	}
	st, err := v.Project.LoadState(env)
	if err != nil {
		return err
	}
	tip, cur, err := v.Store.Tip(ctx)
	if err != nil {
		return fmt.Errorf("reading the history of %s: %w", v.Location, err)
	}
	// The files are hashed once, for the manifest; the state records and
	// the unchanged check come from it, and Push does not hash them again.
	b := history.NewGeneration(env, tip, st.PayloadSHA256, author(ctx, sys, v.Project.Dir), opts.Note, files)
	hashes, nfiles := workspace.ManifestFiles(&b.Manifest), len(files)
	base := history.Base{Gen: st.Generation, Unchanged: workspace.SameRecords(st.Files, hashes), Record: v.Project.StatePath(env)}
	if err := history.CheckBase(env, base, tip); err != nil {
		return err
	}
	sopts := history.SealOptions(v.Passphrase, sys.Hooks.S2KCount, v.Store.MaxSize)
	if !sopts.HighEntropy {
		// A chosen passphrase: this clone's one salt (workspace.LocalState.salt).
		if sopts.Salt, err = st.Salt(); err != nil {
			return err
		}
		sopts.Keys = &v.Keys
	}
	pushed, err := v.Push(ctx, b, cur, sopts, v.Project.VaultDir(), size)
	if err != nil {
		return err
	}
	if err := v.Project.SaveState(&workspace.LocalState{
		Env: env, Vault: v.Location, Generation: pushed.Gen, PayloadSHA256: pushed.Sum, Files: hashes,
		S2KSalt: st.S2KSalt,
	}); err != nil {
		return fmt.Errorf("generation %d was pushed, but recording it locally failed: %w", pushed.Gen, err)
	}
	fmt.Fprintf(sys.Stdout, "env %q: pushed generation %d (%s) to %s\n", env, pushed.Gen, plural(nfiles, "file"), v.Location)
	if !pushed.Published {
		warnNotPublished(sys.Stderr, pushed.Gen, env)
	}
	return nil
}

// readPushable reads the env's folder, and checks that its dotenv files
// parse and that vsync run could start from it. size is the files' bytes.
func readPushable(v *envVault, env string) (files []vault.File, size int64, err error) {
	files, err = v.Project.ReadEnvFolder(env)
	if err != nil {
		return nil, 0, err
	}
	if err := history.CheckDotenvs(workspace.VaultDirRel+"/"+env, files); err != nil {
		return nil, 0, err
	}
	if err := childenv.CheckStartable(env, files); err != nil {
		return nil, 0, err
	}
	for _, f := range files {
		size += int64(len(f.Data))
	}
	return files, size, nil
}
