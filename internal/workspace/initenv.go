package workspace

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"vsync/vault"
)

// NewEnv is an env that `vsync init` records in a project.
type NewEnv struct {
	Env, Profile string
	Prefix       string
	PrefixSet    bool // Prefix was given; else the project's, or a new project's default
}

// RecordEnv finds the project at or above dir, or starts one in dir (its
// prefix Prefix when set, else made from dir's name), and records ne's env
// with its profile in it, without saving it. A prefix other than the
// project's, for a project with envs, is an ErrPrefixConflict; an env
// recorded with another profile an ErrProfileConflict.
func RecordEnv(dir string, ne NewEnv) (*Project, error) {
	if err := CheckEnvName(ne.Env); err != nil {
		return nil, err
	}
	if err := CheckPrefix(ne.Prefix); err != nil {
		return nil, err
	}
	proj, err := FindProject(dir)
	if errors.Is(err, ErrNoProject) {
		proj = &Project{Dir: dir}
		if !ne.PrefixSet {
			ne.Prefix = defaultPrefix(dir)
		}
		proj.Config.Prefix = ne.Prefix
	} else if err != nil {
		return nil, err
	}
	if ne.PrefixSet && ne.Prefix != proj.Config.Prefix {
		if len(proj.Config.Envs) > 0 {
			return nil, kindErrorf(ErrPrefixConflict, "the project's prefix is %q, not %q (one prefix per project)", proj.Config.Prefix, ne.Prefix)
		}
		proj.Config.Prefix = ne.Prefix
	}
	if e, ok := proj.Config.Envs[ne.Env]; ok && e.Profile != ne.Profile {
		return nil, kindErrorf(ErrProfileConflict, "env %q is already recorded with profile %q", ne.Env, e.Profile)
	}
	if proj.Config.Envs == nil {
		proj.Config.Envs = map[string]EnvConfig{}
	}
	proj.Config.Envs[ne.Env] = EnvConfig{Profile: ne.Profile}
	return proj, nil
}

// defaultPrefix turns a directory's name into a bucket prefix.
func defaultPrefix(dir string) string {
	s := strings.ToLower(filepath.Base(dir))
	s = regexp.MustCompile(`[^a-z0-9._-]+`).ReplaceAllString(s, "-")
	s = strings.Trim(s, "-._")
	if CheckPrefix(s) != nil {
		return ""
	}
	return s
}

// InitPassphrase is the passphrase `vsync init` gives an env, and where it
// came from.
type InitPassphrase struct {
	Pass      []byte
	Stored    bool // the local store's already
	Generated bool // made now (GeneratePassphrase)
}

// InitPassphrase chooses the passphrase of env, recorded with profile,
// whose vault at location holds generations: VSYNC_PASSPHRASE or
// VSYNC_PASSPHRASE_FILE, else the stored one. An env without generations
// gets a generated one when neither is there, and one from the
// environment is held to the passphrase rule (CheckChosenPassphrase); an
// env with generations needs one (*PassphraseNeededError), which the
// caller checks against the newest generation.
func (h Home) InitPassphrase(location, env, profile string, generations int, allowWeak bool) (InitPassphrase, error) {
	pass, err := h.PassphraseFromEnv()
	if err != nil {
		return InitPassphrase{}, err
	}
	ip := InitPassphrase{Pass: pass}
	if pass == nil {
		if p, err := h.ResolvePassphrase(location, env); err == nil {
			ip = InitPassphrase{Pass: p, Stored: true}
		}
	}
	switch {
	case generations > 0 && ip.Pass == nil:
		return InitPassphrase{}, &PassphraseNeededError{Env: env, Profile: profile, Location: location, Generations: generations}
	case generations > 0:
	case ip.Pass == nil:
		if ip.Pass, err = GeneratePassphrase(); err != nil {
			return InitPassphrase{}, err
		}
		ip.Generated = true
	case !ip.Stored:
		// A new env's passphrase, chosen: the passphrase rule.
		if err := CheckChosenPassphrase(ip.Pass, allowWeak, "the passphrase (VSYNC_PASSPHRASE or VSYNC_PASSPHRASE_FILE)"); err != nil {
			return InitPassphrase{}, err
		}
	}
	return ip, nil
}

// InitEnv writes what `vsync init` sets up for env, whose vault is at
// location, once nothing is left to check: the passphrase in the store
// (unless it came from there), vsync.toml, "infra/vault/" and ".env" in
// .gitignore, infra/vault (0700) and, for an env that is new (no
// generation in its vault), its folder with an empty dotenv file and a
// local state recording its files.
func (h Home) InitEnv(proj *Project, env, location string, ip InitPassphrase, isNew bool) error {
	if !ip.Stored {
		if err := h.StorePassphrase(location, env, ip.Pass); err != nil {
			return err
		}
	}
	if err := proj.Save(); err != nil {
		return err
	}
	if err := ensureGitignore(proj.Dir, VaultDirRel+"/", ".env"); err != nil {
		return err
	}
	if err := os.MkdirAll(proj.VaultDir(), 0o700); err != nil {
		return err
	}
	if !isNew {
		return nil // "vsync pull" creates the folder
	}
	envDir := proj.EnvDir(env)
	if err := createEnvFolder(envDir, env); err != nil {
		return err
	}
	if _, err := os.Stat(proj.StatePath(env)); !errors.Is(err, os.ErrNotExist) {
		return nil
	}
	files, err := vault.ReadDir(envDir)
	if err != nil {
		return err
	}
	return proj.SaveState(&LocalState{Env: env, Vault: location, Files: HashFiles(files)})
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
