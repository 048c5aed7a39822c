package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"vsync/s3bundle"
	"vsync/vault"
)

// envVault is one env of a project, opened for a command: where it lives
// and how to unlock it.
type envVault struct {
	Project     *project
	Env         string
	ProfileName string
	Profile     profile
	Key         string // vaultKey: location + prefix + env, for messages and the passphrase store
	Store       *s3bundle.Store
	Passphrase  []byte // nil when not asked for
	// Keys caches the S2K of the passphrase packets fetch opens: a
	// history sealed with one salt costs one key derivation.
	Keys vault.KeyCache
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
	v := &envVault{
		Project:     proj,
		Env:         env,
		ProfileName: ec.Profile,
		Profile:     prof,
		Key:         vaultKey(prof, proj.Config.Prefix, env),
		Store:       &s3bundle.Store{Backend: be, Prefix: proj.Config.Prefix, Env: env, MaxSize: bundleLimit(0, prof)},
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

// fetch reads, decrypts and checks generation gen (0: current.pgp). The
// bundle is returned only when its integrity, its manifest, its env and
// its generation number all check out. It returns the payload's SHA-256.
func (v *envVault) fetch(ctx context.Context, gen uint64) (*vault.Bundle, string, error) {
	return fetchBundle(ctx, v.Store, v.Passphrase, &v.Keys, gen)
}

// fetchBundle is envVault.fetch for any Store, with keys (may be nil)
// caching the S2K.
func fetchBundle(ctx context.Context, st *s3bundle.Store, pass []byte, keys *vault.KeyCache, gen uint64) (*vault.Bundle, string, error) {
	rc, info, err := openBundleObject(ctx, st, gen)
	if err != nil {
		return nil, "", err
	}
	var r io.Reader = rc
	if info.Size >= readAheadMin {
		ra := newReadAhead(rc)
		defer ra.stop()
		r = ra
	}
	defer rc.Close()
	return checkBundle(r, info, st, pass, keys, gen, bundleName(gen), false)
}

// bundleName is "current.pgp" (gen 0) or "generation N", for messages.
func bundleName(gen uint64) string {
	if gen == 0 {
		return "current.pgp"
	}
	return fmt.Sprintf("generation %d", gen)
}

// openBundleObject opens generation gen (0: current.pgp) of st for
// reading, naming a missing one as nothing pushed yet or no such
// generation (exitNotFound).
func openBundleObject(ctx context.Context, st *s3bundle.Store, gen uint64) (io.ReadCloser, s3bundle.ObjectInfo, error) {
	rc, info, err := st.Open(ctx, gen)
	if err != nil {
		if errors.Is(err, s3bundle.ErrNotExist) {
			if gen == 0 {
				return nil, info, withCode(quietWrap(err, "nothing was pushed to env %q yet (%s)", st.Env, st.Backend), exitNotFound,
					fmt.Sprintf("push a first generation with \"vsync push %s --note ...\"", st.Env))
			}
			return nil, info, withCode(quietWrap(err, "env %q has no generation %d", st.Env, gen), exitNotFound,
				fmt.Sprintf("list the generations with \"vsync log %s\"", st.Env))
		}
		return nil, info, bundleHint(fmt.Errorf("reading %s of env %q: %w", bundleName(gen), st.Env, err), st.Env)
	}
	return rc, info, nil
}

// checkBundle decrypts and checks the bundle read from r (to EOF), which
// info describes and what names in messages: generation gen of st (0:
// current.pgp). The bundle is returned only when its integrity, its
// manifest, its env and its generation number (against gen and against
// info.Generation, the object's label, when not 0) all check out. It
// returns the payload's SHA-256, or "" when noSum is true (which saves a
// pass over the payload; the files' digests are checked either way). keys,
// when not nil, caches the S2K.
func checkBundle(r io.Reader, info s3bundle.ObjectInfo, st *s3bundle.Store, pass []byte, keys *vault.KeyCache, gen uint64, what string, noSum bool) (*vault.Bundle, string, error) {
	// The payload, and for pull the folder's files beside it.
	boundMemory(2 * min(info.Size, st.MaxSize))
	b, sum, err := vault.Open(r, pass, vault.ReadOptions{Size: info.Size, MaxSize: st.MaxSize, NoSum: noSum, Keys: keys})
	if err != nil {
		return nil, "", bundleHint(fmt.Errorf("%s of env %q: %w", what, st.Env, err), st.Env)
	}
	m := b.Manifest
	switch {
	case m.Env != st.Env:
		err = fmt.Errorf("%s of env %q holds env %q: %w", what, st.Env, m.Env, vault.ErrManifest)
	case gen != 0 && m.Generation != gen:
		err = fmt.Errorf("generation %d of env %q holds generation %d: %w", gen, st.Env, m.Generation, vault.ErrManifest)
	case info.Generation != 0 && info.Generation != m.Generation:
		err = fmt.Errorf("%s of env %q is labelled generation %d but holds %d: %w", what, st.Env, info.Generation, m.Generation, vault.ErrManifest)
	}
	if err != nil {
		return nil, "", bundleHint(err, st.Env)
	}
	return b, sum, nil
}

// wrapped is an error with its own message that still matches its cause
// with errors.Is/As.
type wrapped struct {
	msg string
	err error
}

func (e *wrapped) Error() string { return e.msg }
func (e *wrapped) Unwrap() error { return e.err }

// quietWrap wraps err under a message that does not repeat err's.
func quietWrap(err error, format string, a ...any) error {
	return &wrapped{msg: fmt.Sprintf(format, a...), err: err}
}

// bundleHint adds the env's name to the hint of a bundle that could not be
// opened.
func bundleHint(err error, env string) error {
	switch {
	case errors.Is(err, vault.ErrWrongPassphrase):
		return withHint(err, fmt.Sprintf("check VSYNC_PASSPHRASE / VSYNC_PASSPHRASE_FILE, or store the right one with \"vsync passphrase set %s\"", env))
	case isTooLarge(err):
		return withHint(err, tooLargeHint(err))
	case errors.Is(err, vault.ErrIntegrity), errors.Is(err, vault.ErrUnsafePath), errors.Is(err, vault.ErrManifest):
		return withHint(err, fmt.Sprintf("nothing was written; the stored bundle is damaged or was tampered with (\"vsync verify %s\" checks every generation)", env))
	}
	return err
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

// isDotenv reports whether a bundle path is a dotenv file: ".env" or
// ".env.NAME" at any depth. Those are validated before a push and diffed
// key by key.
func isDotenv(p string) bool {
	base := path.Base(p)
	return base == ".env" || strings.HasPrefix(base, ".env.")
}

// checkDotenvs parses every dotenv file of an env's folder; a syntax error
// names the file (relative to the project) and the line.
func checkDotenvs(p *project, env string, files []vault.File) error {
	for _, f := range files {
		if !isDotenv(f.Path) {
			continue
		}
		name := filepath.ToSlash(filepath.Join(vaultDirRel, env, f.Path))
		if _, err := vault.ParseDotenv(name, f.Data, nil); err != nil {
			return withHint(err, "fix the line, then push again; nothing was pushed")
		}
	}
	return nil
}
