package workspace

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"vsync/vault"
)

// LocalEditsError: the env's folder Dir has edits that were never pushed
// (files that are neither the recorded ones nor the pulled ones), and a
// pull without force does not write over them.
type LocalEditsError struct{ Env, Dir string }

func (e *LocalEditsError) Error() string {
	return fmt.Sprintf("%q has local edits that were never pushed (not pulled over)", e.Dir)
}

// FolderReadError: the env's folder Dir could not be read to look for
// local edits; a pull with force writes over it.
type FolderReadError struct {
	Dir string
	Err error
}

func (e *FolderReadError) Error() string { return fmt.Sprintf("reading %q: %v", e.Dir, e.Err) }
func (e *FolderReadError) Unwrap() error { return e.Err }

// ReplaceEnvFolder puts the files of b, a bundle of env, in place of the
// env's folder, atomically (replaceDir), and returns the state records
// of what is on disk then: the manifest's digests (checked when b was
// opened) with the modes the files got. Unless force, a folder whose
// files are neither recorded (the local state's records) nor b's is
// *LocalEditsError, and one that cannot be read *FolderReadError; then
// nothing is written. With force the folder is not read at all.
func (p *Project) ReplaceEnvFolder(env string, b *vault.Bundle, recorded []StateFile, force bool) ([]StateFile, error) {
	dir := p.EnvDir(env)
	pulled := ManifestFiles(&b.Manifest)
	exists, err := checkLocalEdits(env, dir, recorded, pulled, force)
	if err != nil {
		return nil, err
	}
	if err := replaceDir(p.VaultDir(), dir, env, b.Files, exists); err != nil {
		return nil, err
	}
	// A stat each, rather than reading them all back.
	for i, f := range pulled {
		fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			return nil, err
		}
		pulled[i].Mode = fi.Mode().Perm()
	}
	return pulled, nil
}

// checkLocalEdits reports whether the env's folder dir exists and, unless
// force, that its files are the recorded or the pulled ones (see
// ReplaceEnvFolder). A forced pull only looks whether dir is there: what
// it holds is written over whatever it is, so hashing it (a pass over
// every byte of a big folder) would be wasted.
func checkLocalEdits(env, dir string, recorded, pulled []StateFile, force bool) (bool, error) {
	if force {
		_, err := os.Lstat(dir)
		return !errors.Is(err, fs.ErrNotExist), nil
	}
	local, err := vault.HashDir(dir) // hashed as read: never held beside the payload
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return true, &FolderReadError{Dir: dir, Err: err}
	case !sameLocal(recorded, pulled, local):
		return true, &LocalEditsError{Env: env, Dir: dir}
	}
	return true, nil
}

// replaceDir puts files at dir atomically: it writes them into a staging
// directory in parent, renames the old dir aside, renames the staged one
// into place and removes the old one. On failure dir is as it was. The
// staging directory is locked while it exists (makeStage), so that the
// next vault command can tell one left by a killed pull.
func replaceDir(parent, dir, env string, files []vault.File, exists bool) error {
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return err
	}
	stage, unlock, err := makeStage(parent, env)
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
func sameLocal(recorded, pulled []StateFile, local []vault.FileEntry) bool {
	now := ManifestFiles(&vault.Manifest{Files: local})
	return SameRecords(recorded, now) || SameRecords(pulled, now)
}
