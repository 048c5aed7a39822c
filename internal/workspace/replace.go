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
// env's folder, atomically (PullStage: written in a staging directory,
// swapped in by two renames), and returns the state records of what is
// on disk then: the manifest's digests (checked when b was opened) with
// the modes the files got. Unless force, a folder whose
// files are neither recorded (the local state's records) nor b's is
// *LocalEditsError, and one that cannot be read *FolderReadError; then
// nothing is written. With force the folder is not read at all.
func (p *Project) ReplaceEnvFolder(env string, b *vault.Bundle, recorded []StateFile, force bool) ([]StateFile, error) {
	return p.ReplaceEnvFolderStaged(env, b, recorded, force, nil)
}

// ReplaceEnvFolderStaged is ReplaceEnvFolder with the files already
// streamed into st (NewPullStage; nil: none) as b was decrypted: it
// completes them there (vault.DirStream.Finish) instead of writing them
// all. st is used up (removed or moved into place) whatever happens.
func (p *Project) ReplaceEnvFolderStaged(env string, b *vault.Bundle, recorded []StateFile, force bool, st *PullStage) ([]StateFile, error) {
	defer st.Discard()
	dir := p.EnvDir(env)
	pulled := ManifestFiles(&b.Manifest)
	exists, err := checkLocalEdits(env, dir, recorded, pulled, force)
	if err != nil {
		return nil, err
	}
	if st == nil {
		if st, err = p.NewPullStage(env); err != nil {
			return nil, err
		}
		defer st.Discard()
	}
	if err := st.finish(b.Files); err != nil {
		return nil, err
	}
	if err := st.swap(dir, exists); err != nil {
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

// PullStage is where a pull writes the env's new folder before it
// replaces the old one: a staging directory in the vault folder (locked
// while it exists, see makeStage) holding "new", the pulled files, and
// "old", the folder replaced, once renamed aside. NewPullStage makes it
// before the fetch so that the files are written as the bundle is
// decrypted (Stream); nothing in it is used unless the bundle checked
// out, and Discard removes it.
type PullStage struct {
	stage  string
	unlock func()
	files  *vault.DirStream
	keep   bool // the old folder could not be put back: it stays in old
}

// NewPullStage makes a staging directory for a pull of env.
func (p *Project) NewPullStage(env string) (*PullStage, error) {
	parent := p.VaultDir()
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return nil, err
	}
	stage, unlock, err := makeStage(parent, env)
	if err != nil {
		return nil, err
	}
	files, err := vault.NewDirStream(filepath.Join(stage, "new"))
	if err != nil {
		os.RemoveAll(stage)
		unlock()
		return nil, err
	}
	return &PullStage{stage: stage, unlock: unlock, files: files}, nil
}

// Stream writes the bundle's files into the stage as vault.Open decrypts
// them (vault.ReadOptions.Stream), unnamed until finish links the
// checked ones (vault.DirStream).
func (s *PullStage) Stream() *vault.StreamFiles {
	if s == nil {
		return nil
	}
	return &s.files.Stream
}

// Files is the stage's new folder as it is written (tests set its
// NoAnon and Stream.AfterWrites before the fetch).
func (s *PullStage) Files() *vault.DirStream { return s.files }

// Discard removes the stage (but an old folder that could not be put
// back) and releases its lock. It does nothing on a nil or used stage.
func (s *PullStage) Discard() {
	if s == nil || s.stage == "" {
		return
	}
	s.files.Close()
	if !s.keep {
		os.RemoveAll(s.stage)
	}
	s.unlock()
	s.stage = ""
}

// finish makes the stage's new folder hold exactly files.
func (s *PullStage) finish(files []vault.File) error {
	staged := filepath.Join(s.stage, "new")
	if err := s.files.Finish(files); err != nil {
		return fmt.Errorf("writing %q: %w", staged, err)
	}
	return nil
}

// swap puts the staged folder at dir atomically: it renames the old dir
// aside (when it exists), renames the staged one into place, and Discard
// then removes the old one. On failure dir is as it was.
func (s *PullStage) swap(dir string, exists bool) error {
	staged := filepath.Join(s.stage, "new")
	old := filepath.Join(s.stage, "old")
	if exists {
		if err := os.Rename(dir, old); err != nil {
			return err
		}
	}
	if err := os.Rename(staged, dir); err != nil {
		if exists {
			if rerr := os.Rename(old, dir); rerr != nil {
				s.keep = true
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
