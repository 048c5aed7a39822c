package workspace

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"vsync/vault"
)

// LinkDotenv makes .env in the root of the project at or above dir a
// symlink to env's dotenv file, infra/vault/ENV/.env.ENV, and returns that
// target (relative to the root, slash-separated). The new symlink is
// renamed over the old one, so .env is never missing. A dotenv file that
// does not exist is a *NotRecordedError (env is not in vsync.toml) or a
// *NoDotenvError; a .env that is a regular file is never replaced (a
// *RegularDotenvError).
func LinkDotenv(dir, env string) (string, error) {
	if err := CheckEnvName(env); err != nil {
		return "", err
	}
	proj, err := FindProject(dir)
	if err != nil {
		return "", err
	}
	target := filepath.ToSlash(filepath.Join(VaultDirRel, env, vault.DotenvPath(env)))
	if _, err := os.Stat(filepath.Join(proj.Dir, filepath.FromSlash(target))); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if _, err := proj.Env(env); err != nil {
				return "", err // not in vsync.toml: pulling it would fail the same way
			}
			return "", &NoDotenvError{Env: env, Target: target}
		}
		return "", err
	}
	link := filepath.Join(proj.Dir, ".env")
	fi, err := os.Lstat(link)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return "", err
	case fi.Mode()&fs.ModeSymlink == 0:
		return "", &RegularDotenvError{Path: link, Target: target}
	}
	tmp := filepath.Join(proj.Dir, ".env.vsync-tmp")
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, link); err != nil {
		os.Remove(tmp)
		return "", err
	}
	return target, nil
}
