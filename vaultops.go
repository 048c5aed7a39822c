package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"vsync/internal/history"
	"vsync/s3bundle"
	"vsync/vault"
)

// envVault is one env of a project, opened for a command: where it lives
// and how to unlock it (history.Env: its Store, passphrase and location).
type envVault struct {
	history.Env
	Project     *project
	ProfileName string
	Profile     profile
	Key         string // vaultKey: location + prefix + env, for messages and the passphrase store
}

// openEnvVault finds the project at or above dir, looks up env's profile
// and builds its Store. With needPassphrase it also resolves the passphrase
// (VSYNC_PASSPHRASE, VSYNC_PASSPHRASE_FILE, else the local store). It does
// no network round trip. It first cleans up after any pull of the project
// that was killed (removeStaleStages).
func openEnvVault(ctx context.Context, sys *sysEnv, dir, env string, needPassphrase bool) (*envVault, error) {
	if err := checkEnvName(env); err != nil {
		return nil, err
	}
	proj, err := findProject(dir)
	if err != nil {
		return nil, err
	}
	return openProjectEnv(ctx, sys, proj, env, needPassphrase)
}

// openWorkdirVault is openEnvVault for the project at or above the working
// directory, as every operator command opens it.
func openWorkdirVault(ctx context.Context, sys *sysEnv, env string, needPassphrase bool) (*envVault, error) {
	cwd, err := sys.Getwd()
	if err != nil {
		return nil, err
	}
	return openEnvVault(ctx, sys, cwd, env, needPassphrase)
}

// openProjectEnv is openEnvVault for an already loaded project.
func openProjectEnv(ctx context.Context, sys *sysEnv, proj *project, env string, needPassphrase bool) (*envVault, error) {
	ec, err := proj.env(env)
	if err != nil {
		return nil, err
	}
	reportStaleStages(sys.Stderr, proj)
	profs, err := loadProfiles(sys)
	if err != nil {
		return nil, err
	}
	prof, err := profs.get(ec.Profile)
	if err != nil {
		return nil, err
	}
	be, err := newBackend(ctx, prof, sys.Hooks.S3Timeout)
	if err != nil {
		return nil, fmt.Errorf("profile %q: %w", ec.Profile, err)
	}
	if sys.Hooks.WrapBackend != nil {
		be = sys.Hooks.WrapBackend(be)
	}
	key := vaultKey(prof, proj.Config.Prefix, env)
	v := &envVault{
		Env: history.Env{
			Store:    &s3bundle.Store{Backend: be, Prefix: proj.Config.Prefix, Env: env, MaxSize: bundleLimit(0, prof)},
			Location: key,
		},
		Project:     proj,
		ProfileName: ec.Profile,
		Profile:     prof,
		Key:         key,
	}
	if needPassphrase {
		if v.Passphrase, err = resolvePassphrase(sys, v.Key, env); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// openStore is the entry point for runtime commands (run, env, status):
// given a directory inside a project and an env name, it returns the env's
// Store and its passphrase.
func openStore(ctx context.Context, sys *sysEnv, projectDir, env string) (*s3bundle.Store, []byte, error) {
	v, err := openEnvVault(ctx, sys, projectDir, env, true)
	if err != nil {
		return nil, nil, err
	}
	return v.Store, v.Passphrase, nil
}

// readLocal reads the env's folder. A missing folder is fs.ErrNotExist.
func readLocal(p *project, env string) ([]vault.File, error) {
	dir := p.envDir(env)
	if _, err := os.Stat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, withCode(fmt.Errorf("env folder %q does not exist", dir), exitNotFound,
				fmt.Sprintf("get it with \"vsync pull %s\", or create it with \"vsync init %s --profile P\"", env, env))
		}
		return nil, err
	}
	files, err := vault.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading %q: %w", dir, err)
	}
	return files, nil
}

// checkDotenvs parses every dotenv file of an env's folder; a syntax error
// names the file (relative to the project) and the line.
func checkDotenvs(p *project, env string, files []vault.File) error {
	for _, f := range files {
		if !history.IsDotenv(f.Path) {
			continue
		}
		name := filepath.ToSlash(filepath.Join(vaultDirRel, env, f.Path))
		if _, err := vault.ParseDotenv(name, f.Data, nil); err != nil {
			return withHint(err, "fix the line, then push again; nothing was pushed")
		}
	}
	return nil
}
