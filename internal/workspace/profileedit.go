package workspace

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// AddProfile records p as the profile name in profiles.toml, replacing
// one of that name only with force (else a *ProfileExistsError). A --dir
// profile's Dir is made absolute ("~/" is the home directory), and the
// directory, with any missing parent, is created 0700 when it does not
// exist yet (created). An invalid name is an ErrInvalidProfileName, a
// profile that does not check out a *BadProfileError, a Dir that is not a
// directory a *NotDirError.
func (h Home) AddProfile(name string, p Profile, force bool) (stored Profile, created bool, err error) {
	if !ValidName(name) {
		return p, false, kindErrorf(ErrInvalidProfileName, "invalid profile name %q: use lower-case letters, digits, '-' and '_'", name)
	}
	if p.Dir != "" {
		if rest, ok := strings.CutPrefix(p.Dir, "~/"); ok && h.Getenv("HOME") != "" {
			p.Dir = filepath.Join(h.Getenv("HOME"), rest) // --dir=~/vaults, which no shell expands
		}
		if p.Dir, err = filepath.Abs(p.Dir); err != nil {
			return p, false, err
		}
	}
	if err := p.Check(); err != nil {
		return p, false, &BadProfileError{Name: name, Err: err}
	}
	cfg, err := h.LoadProfiles()
	if err != nil {
		return p, false, err
	}
	if _, ok := cfg.Profiles[name]; ok && !force {
		return p, false, &ProfileExistsError{Name: name}
	}
	if p.Dir != "" {
		if created, err = ensureVaultDir(p.Dir); err != nil {
			return p, false, err
		}
	}
	cfg.Profiles[name] = p
	return p, created, h.SaveProfiles(cfg)
}

// ensureVaultDir creates a --dir profile's directory, and any missing
// parent, 0700 when it does not exist yet, and reports whether it did. An
// existing directory is left as it is; anything else there is a
// *NotDirError.
func ensureVaultDir(dir string) (bool, error) {
	fi, err := os.Stat(dir)
	switch {
	case err == nil && fi.IsDir():
		return false, nil
	case err == nil:
		return false, &NotDirError{Dir: dir}
	case !errors.Is(err, fs.ErrNotExist):
		return false, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("create the directory of the profile: %w", err)
	}
	return true, nil
}

// RemoveProfile removes the profile name from profiles.toml. A missing
// one is an ErrNothingToRemove that is also the *NoProfileError.
func (h Home) RemoveProfile(name string) error {
	cfg, err := h.LoadProfiles()
	if err != nil {
		return err
	}
	if _, err := cfg.Get(name); err != nil {
		return kindErrorf(ErrNothingToRemove, "%w", err)
	}
	delete(cfg.Profiles, name)
	return h.SaveProfiles(cfg)
}
