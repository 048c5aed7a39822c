package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"vsync/internal/childenv"
	"vsync/internal/workspace"
	"vsync/vault"
)

func pullCommand(sys *sysEnv) *cli.Command {
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

func runPull(ctx context.Context, sys *sysEnv, opts pullOptions) error {
	v, err := openWorkdirVault(ctx, sys, opts.Env, true)
	if err != nil {
		return err
	}
	env := opts.Env
	v.Store.MaxSize = v.Profile.BundleLimit(opts.MaxBundle)
	st, err := v.Project.LoadState(env)
	if err != nil {
		return err
	}
	var (
		b   *vault.Bundle
		sum string
	)
	if opts.Generation != 0 {
		b, sum, err = v.Fetch(ctx, opts.Generation)
	} else {
		b, sum, err = v.FetchNewest(ctx)
	}
	if err != nil {
		return err
	}
	if err := childenv.CheckStartable(env, b.Files); err != nil {
		return withHint(fmt.Errorf("generation %d: %w", b.Manifest.Generation, err),
			"nothing was written; pull an earlier generation with --generation N, fix the files, and push")
	}

	dir := v.Project.EnvDir(env)
	local, err := vault.HashDir(dir) // hashed as read: never held beside the payload
	exists := true
	switch {
	case errors.Is(err, fs.ErrNotExist):
		exists = false
	case err != nil && !opts.Force:
		return withHint(fmt.Errorf("reading %q: %w", dir, err), "fix it, or overwrite it with --force")
	case err == nil && !opts.Force && !sameLocal(st.Files, workspace.ManifestFiles(&b.Manifest), local):
		return errorf(exitLocalEdits,
			fmt.Sprintf("see them with \"vsync diff %s\"; push them, or drop them with \"vsync pull %s --force\"", env, env),
			"%q has local edits that were never pushed (not pulled over)", dir)
	}
	if err := replaceDir(v.Project.VaultDir(), dir, env, b.Files, exists); err != nil {
		return err
	}
	// Record what is on disk now: the bundle's content (the manifest's
	// digests, checked when it was opened) with the modes the files got (a
	// stat each, rather than reading them all back).
	written := workspace.ManifestFiles(&b.Manifest)
	for i, f := range written {
		fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			return err
		}
		written[i].Mode = fi.Mode().Perm()
	}
	if err := v.Project.SaveState(&workspace.LocalState{
		Env: env, Vault: v.Location, Generation: b.Manifest.Generation, PayloadSHA256: sum, Files: written,
		S2KSalt: st.S2KSalt,
	}); err != nil {
		return err
	}
	fmt.Fprintf(sys.Stdout, "env %q: pulled generation %d (%s)\n", env, b.Manifest.Generation, plural(len(b.Files), "file"))
	return nil
}

// replaceDir puts files at dir atomically: it writes them into a staging
// directory in parent, renames the old dir aside, renames the staged one
// into place and removes the old one. On failure dir is as it was. The
// staging directory is locked while it exists (pullstage.go), so that the
// next vault command can tell one left by a killed pull.
func replaceDir(parent, dir, env string, files []vault.File, exists bool) error {
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return err
	}
	stage, unlock, err := workspace.MakeStage(parent, env)
	if err != nil {
		return err
	}
	keep := false // true when the old folder could not be put back
	defer func() {
		if !keep {
			os.RemoveAll(stage)
		}
		unlock()
	}()
	staged := filepath.Join(stage, "new")
	if err := vault.WriteDir(staged, files); err != nil {
		return fmt.Errorf("writing %q: %w", staged, err)
	}
	old := filepath.Join(stage, "old")
	if exists {
		if err := os.Rename(dir, old); err != nil {
			return err
		}
	}
	if err := os.Rename(staged, dir); err != nil {
		if exists {
			if rerr := os.Rename(old, dir); rerr != nil {
				keep = true
				return fmt.Errorf("%v; and putting %q back failed: %v (it is in %q)", err, dir, rerr, old)
			}
		}
		return err
	}
	return nil
}

// sameLocal reports whether the local files (their entries, as HashDir
// gives them) are the recorded ones or the pulled ones (pulled, the
// manifest's records).
func sameLocal(recorded, pulled []workspace.StateFile, local []vault.FileEntry) bool {
	now := workspace.ManifestFiles(&vault.Manifest{Files: local})
	return workspace.SameRecords(recorded, now) || workspace.SameRecords(pulled, now)
}
