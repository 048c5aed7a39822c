package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/urfave/cli/v2"

	"vsync/internal/workspace"
	"vsync/vault"
)

func initCommand(sys *sysEnv) *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "create an env: its folder, its vsync.toml entry and its passphrase",
		UsageText: "vsync init ENV --profile P [--prefix PFX]",
		Description: `Creates infra/vault/ENV/.env.ENV, adds "infra/vault/" and ".env" to
.gitignore, records ENV and its profile in vsync.toml (created in the current
directory when no parent has one), and sets up the passphrase: VSYNC_PASSPHRASE
or VSYNC_PASSPHRASE_FILE when set, else a new random one (256 bits), printed
once, here only. It is stored in $XDG_CONFIG_HOME/vsync/passphrases/ (0600).
When the vault already holds generations (a teammate created the env), the
passphrase must be given and is checked, and the folder is left to "vsync pull".
A chosen passphrase for a new env needs at least 16 characters unless
--allow-weak-passphrase, as for passphrase set and rotate-passphrase.`,
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
				Env:       a[0],
				Profile:   c.String("profile"),
				Prefix:    c.String("prefix"),
				PrefixSet: c.IsSet("prefix"),
				AllowWeak: c.Bool("allow-weak-passphrase"),
			})
		},
	}
}

type initOptions struct {
	Env       string
	Profile   string
	Prefix    string
	PrefixSet bool
	AllowWeak bool // a chosen passphrase may be short (checkChosenPassphrase)
}

func runInit(ctx context.Context, sys *sysEnv, opts initOptions) error {
	if err := workspace.CheckEnvName(opts.Env); err != nil {
		return err
	}
	if err := workspace.CheckPrefix(opts.Prefix); err != nil {
		return err
	}
	cwd, err := sys.Getwd()
	if err != nil {
		return err
	}
	proj, err := workspace.FindProject(cwd)
	if errors.Is(err, workspace.ErrNoProject) {
		proj = &workspace.Project{Dir: cwd}
		if !opts.PrefixSet {
			opts.Prefix = defaultPrefix(cwd)
		}
		proj.Config.Prefix = opts.Prefix
	} else if err != nil {
		return err
	}
	if opts.PrefixSet && opts.Prefix != proj.Config.Prefix {
		if len(proj.Config.Envs) > 0 {
			return usageErrorf("the project's prefix is %q, not %q (one prefix per project)", proj.Config.Prefix, opts.Prefix)
		}
		proj.Config.Prefix = opts.Prefix
	}
	if e, ok := proj.Config.Envs[opts.Env]; ok && e.Profile != opts.Profile {
		return usageErrorf("env %q is already recorded with profile %q", opts.Env, e.Profile)
	}
	if proj.Config.Envs == nil {
		proj.Config.Envs = map[string]workspace.EnvConfig{}
	}
	proj.Config.Envs[opts.Env] = workspace.EnvConfig{Profile: opts.Profile}

	// Everything that can fail without writing comes first: the profile,
	// the backend, the passphrase and a look at the remote.
	v, err := openProjectEnv(ctx, sys, proj, opts.Env, false)
	if err != nil {
		return err
	}
	gens, err := v.Store.Generations(ctx)
	if err != nil {
		return fmt.Errorf("looking at %s: %w", v.Location, err)
	}
	pass, err := home(sys).PassphraseFromEnv()
	if err != nil {
		return err
	}
	stored := false
	if pass == nil {
		if p, err := home(sys).ResolvePassphrase(v.Location, opts.Env); err == nil {
			pass, stored = p, true
		}
	}
	generated := false
	if len(gens) > 0 {
		if pass == nil {
			return withCode(fmt.Errorf("env %q already has %s in %s and no passphrase was given", opts.Env, plural(len(gens), "generation"), v.Location), exitConfig,
				fmt.Sprintf("ask a teammate for it, then \"VSYNC_PASSPHRASE=... vsync init %s --profile %s\" or \"vsync passphrase set %s\"", opts.Env, opts.Profile, opts.Env))
		}
		v.Passphrase = pass
		if _, _, err := v.Fetch(ctx, 0); err != nil {
			return err
		}
	} else if pass == nil {
		if pass, err = generatePassphrase(); err != nil {
			return err
		}
		generated = true
	} else if !stored {
		// A new env's passphrase, chosen: the passphrase rule.
		if err := workspace.CheckChosenPassphrase(pass, opts.AllowWeak, "the passphrase (VSYNC_PASSPHRASE or VSYNC_PASSPHRASE_FILE)"); err != nil {
			return err
		}
	}

	if !stored {
		if err := home(sys).StorePassphrase(v.Location, opts.Env, pass); err != nil {
			return err
		}
	}
	if err := proj.Save(); err != nil {
		return err
	}
	if err := ensureGitignore(proj.Dir, "infra/vault/", ".env"); err != nil {
		return err
	}
	if err := os.MkdirAll(proj.VaultDir(), 0o700); err != nil {
		return err
	}
	envDir := proj.EnvDir(opts.Env)
	if len(gens) == 0 {
		if err := createEnvFolder(envDir, opts.Env); err != nil {
			return err
		}
		if _, err := os.Stat(proj.StatePath(opts.Env)); errors.Is(err, os.ErrNotExist) {
			files, err := vault.ReadDir(envDir)
			if err != nil {
				return err
			}
			if err := proj.SaveState(&workspace.LocalState{Env: opts.Env, Vault: v.Location, Files: workspace.HashFiles(files)}); err != nil {
				return err
			}
		}
	}

	out := sys.Stdout
	fmt.Fprintf(out, "env %q: vault %s\n", opts.Env, v.Location)
	if generated {
		fmt.Fprintf(out, "\nthe new passphrase of env %q (shown only this once; keep it in your team's password manager):\n\n    %s\n\n", opts.Env, pass)
		fmt.Fprintf(out, "it is stored for this user in %s\n", mustConfigDir(sys))
	}
	if len(gens) > 0 {
		fmt.Fprintf(out, "the vault has %s: get them with \"vsync pull %s\"\n", plural(len(gens), "generation"), opts.Env)
	} else {
		rel, _ := filepath.Rel(cwd, filepath.Join(envDir, vault.DotenvPath(opts.Env)))
		fmt.Fprintf(out, "edit %q (and add any files beside it), then \"vsync push %s --note ...\"\n", rel, opts.Env)
	}
	return nil
}

// generatePassphrase is vault.GeneratePassphrase as a []byte.
func generatePassphrase() ([]byte, error) {
	p, err := vault.GeneratePassphrase()
	if err != nil {
		return nil, err
	}
	return []byte(p), nil
}

func mustConfigDir(sys *sysEnv) string {
	d, _ := home(sys).ConfigDir()
	return fmt.Sprintf("%q", filepath.Join(d, "passphrases"))
}

// defaultPrefix turns a directory's name into a bucket prefix.
func defaultPrefix(dir string) string {
	s := strings.ToLower(filepath.Base(dir))
	s = regexp.MustCompile(`[^a-z0-9._-]+`).ReplaceAllString(s, "-")
	s = strings.Trim(s, "-._")
	if workspace.CheckPrefix(s) != nil {
		return ""
	}
	return s
}

// createEnvFolder creates infra/vault/ENV (0700) with an empty .env.ENV
// (0600) unless they exist.
func createEnvFolder(dir, env string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(dir, vault.DotenvPath(env)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(f, "# env %q: KEY=value lines. Every other file in this folder is pushed too.\n", env)
	return f.Close()
}

// ensureGitignore appends the patterns missing from dir/.gitignore.
func ensureGitignore(dir string, patterns ...string) error {
	path := filepath.Join(dir, ".gitignore")
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	have := map[string]bool{}
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		have[strings.TrimPrefix(l, "/")] = true
	}
	var add []string
	for _, p := range patterns {
		if !have[p] && !have[strings.TrimSuffix(p, "/")] {
			add = append(add, p)
		}
	}
	if len(add) == 0 {
		return nil
	}
	out := string(data)
	if out != "" && !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	if !have["# vsync: secrets stay out of git"] {
		out += "# vsync: secrets stay out of git\n"
	}
	out += strings.Join(add, "\n") + "\n"
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	return workspace.WriteFileAtomic(path, []byte(out), mode)
}
