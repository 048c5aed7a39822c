package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"vsync/internal/envops"
	"vsync/internal/workspace"
	"vsync/vault"
)

const initHelp = `Creates infra/vault/ENV/.env.ENV, adds "infra/vault/" and ".env" to
.gitignore, records ENV and its profile in vsync.toml (created in the current
directory when no parent has one), and sets up the passphrase: VSYNC_PASSPHRASE
or VSYNC_PASSPHRASE_FILE when set, else a new random one (256 bits), printed
once, here only. It is stored in $XDG_CONFIG_HOME/vsync/passphrases/ (0600).
When the vault already holds generations (a teammate created the env), the
passphrase must be given and is checked, and the folder is left to "vsync pull".
A chosen passphrase for a new env needs at least 16 characters unless
--allow-weak-passphrase, as for passphrase set and rotate-passphrase.`

func initCommand(sys *world) *cli.Command {
	return &cli.Command{
		Name:        "init",
		Usage:       "create an env: its folder, its vsync.toml entry and its passphrase",
		UsageText:   "vsync init ENV --profile P [--prefix PFX]",
		Description: initHelp,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "profile", Usage: "the profile the env's vault lives in (required)"},
			&cli.StringFlag{Name: "prefix", Usage: "bucket prefix of the project (default: the project directory's name)"},
			allowWeakFlag(),
		},
		Action: func(c *cli.Context) error {
			a, err := args(c, 1, 1, "ENV --profile P [--prefix PFX]")
			if err != nil {
				return err
			}
			if c.String("profile") == "" {
				return usageErrorf("init needs --profile")
			}
			return runInit(c.Context, sys, initOptions{
				NewEnv: workspace.NewEnv{
					Env:       a[0],
					Profile:   c.String("profile"),
					Prefix:    c.String("prefix"),
					PrefixSet: c.IsSet("prefix"),
				},
				AllowWeak: c.Bool("allow-weak-passphrase"),
			})
		},
	}
}

type initOptions struct {
	workspace.NewEnv
	AllowWeak bool // a chosen passphrase may be short (workspace.CheckChosenPassphrase)
}

// runInit is `vsync init`. Everything that can fail without writing comes
// first: the project, the profile, the backend, then envops.Init's
// passphrase and look at the vault (a passphrase given for generations
// there must open them).
func runInit(ctx context.Context, sys *world, opts initOptions) error {
	cwd, err := sys.Getwd()
	if err != nil {
		return err
	}
	proj, err := workspace.RecordEnv(cwd, opts.NewEnv)
	if err != nil {
		return err
	}
	v, err := openProjectEnv(ctx, sys, proj, opts.Env, false)
	if err != nil {
		return err
	}
	in, err := envops.Init(ctx, v.ops(sys, opts.Env), envops.InitOptions{Profile: opts.Profile, AllowWeak: opts.AllowWeak})
	if err != nil {
		return err
	}

	out := sys.Stdout
	fmt.Fprintf(out, "env %q: vault %s\n", opts.Env, v.Location)
	if in.Generated {
		printGenerated(out, opts.Env, in.Pass)
		fmt.Fprintf(out, "it is stored for this user in %s\n", passphraseDir(sys))
	}
	if in.Generations > 0 {
		fmt.Fprintf(out, "the vault has %s: get them with \"vsync pull %s\"\n", plural(in.Generations, "generation"), opts.Env)
	} else {
		rel, _ := filepath.Rel(cwd, filepath.Join(proj.EnvDir(opts.Env), vault.DotenvPath(opts.Env)))
		fmt.Fprintf(out, "edit %q (and add any files beside it), then \"vsync push %s --note ...\"\n", rel, opts.Env)
	}
	return nil
}
