package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"vsync/internal/workspace"
	"vsync/vault"

	"github.com/urfave/cli/v2"
)

func useCommand(sys *sysEnv) *cli.Command {
	return &cli.Command{
		Name:      "use",
		Usage:     "point .env (a symlink) at the env's dotenv file",
		UsageText: "vsync use ENV",
		Description: `Makes .env in the project's root a symlink to infra/vault/ENV/.env.ENV, for
tools that read a plain .env. An existing .env symlink is replaced; a regular
.env file is never touched (exit 73).`,
		Action: func(c *cli.Context) error {
			a, err := args(c, 1, 1, "ENV")
			if err != nil {
				return err
			}
			return runUse(sys, useOptions{Env: a[0]})
		},
	}
}

type useOptions struct {
	Env string
}

func runUse(sys *sysEnv, opts useOptions) error {
	if err := workspace.CheckEnvName(opts.Env); err != nil {
		return err
	}
	cwd, err := sys.Getwd()
	if err != nil {
		return err
	}
	proj, err := workspace.FindProject(cwd)
	if err != nil {
		return err
	}
	target := filepath.ToSlash(filepath.Join(workspace.VaultDirRel, opts.Env, vault.DotenvPath(opts.Env)))
	if _, err := os.Stat(filepath.Join(proj.Dir, filepath.FromSlash(target))); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if _, err := proj.Env(opts.Env); err != nil {
				return err // not in vsync.toml: pulling it would fail the same way
			}
			return errorf(exitNotFound, fmt.Sprintf("get it with \"vsync pull %s\"", opts.Env), "%q does not exist", target)
		}
		return err
	}
	link := filepath.Join(proj.Dir, ".env")
	fi, err := os.Lstat(link)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	case fi.Mode()&fs.ModeSymlink == 0:
		return errorf(exitLocalEdits, fmt.Sprintf("move it into %q and push it, or remove it", target),
			"%q is a regular file, not a symlink; not replacing it", link)
	}
	// A new symlink renamed over the old one: .env is never missing.
	tmp := filepath.Join(proj.Dir, ".env.vsync-tmp")
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, link); err != nil {
		os.Remove(tmp)
		return err
	}
	fmt.Fprintf(sys.Stdout, ".env -> %s\n", target)
	return nil
}
