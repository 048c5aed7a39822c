package workspace

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The local passphrase store: one file per vault, 0600, in
// $XDG_CONFIG_HOME/vsync/passphrases/ (0700). A vault is named by its
// location (profile location + prefix + env), so the prod envs of two
// projects never share an entry, and two profiles that point at the same
// bucket do. The file holds the passphrase and a newline, so it can be
// given to gpg --passphrase-file or VSYNC_PASSPHRASE_FILE as it is.

// VaultLocation names a vault for the passphrase store and for messages:
// "s3://bucket/prefix/env at https://endpoint", "dir:/path/prefix/env".
func VaultLocation(p Profile, prefix, env string) string {
	k := p.Location() + "/"
	if prefix != "" {
		k += prefix + "/"
	}
	return k + env + p.endpointNote()
}

// PassphraseDir is the passphrase store's directory.
func (h Home) PassphraseDir() (string, error) {
	d, err := h.ConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "passphrases"), nil
}

// PassphrasePath is the store file of the vault at location.
func (h Home) PassphrasePath(location, env string) (string, error) {
	d, err := h.PassphraseDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, VaultFileName(location, env)), nil
}

// VaultFileName is the name of a per-vault file (the passphrase store's,
// the log cache's key and entries, the --cache bundle, each with its own
// directory and suffix): the env's name and a digest of the vault's
// location, so that two vaults of one env name never share a file.
func VaultFileName(location, env string) string {
	sum := sha256.Sum256([]byte(location))
	return env + "-" + hex.EncodeToString(sum[:12])
}

// StorePassphrase saves a vault's passphrase in the local store.
func (h Home) StorePassphrase(location, env string, pass []byte) error {
	path, err := h.PassphrasePath(location, env)
	if err != nil {
		return err
	}
	return h.writePassphraseFile(path, pass)
}

// writePassphraseFile atomically writes pass and a newline to path (0600)
// in the store's directory, creating it (0700) if needed.
func (h Home) writePassphraseFile(path string, pass []byte) error {
	if _, err := h.ensureConfigDir("passphrases"); err != nil {
		return err
	}
	return WriteFileAtomic(path, append(append([]byte{}, pass...), '\n'), 0o600)
}

// ReadPassphraseFile returns the first line of a passphrase file, as gpg's
// --passphrase-file does. It never quotes the content in errors; an empty
// one is an ErrConfig.
func ReadPassphraseFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	line, _, _ := strings.Cut(string(data), "\n")
	line = strings.TrimSuffix(line, "\r")
	if line == "" {
		return nil, configErrorf("passphrase file %q is empty", path)
	}
	return []byte(line), nil
}

// PassphraseFromEnv returns VSYNC_PASSPHRASE, or the content of
// VSYNC_PASSPHRASE_FILE, or nil when neither is set.
func (h Home) PassphraseFromEnv() ([]byte, error) {
	if p := h.Getenv("VSYNC_PASSPHRASE"); p != "" {
		return []byte(p), nil
	}
	if f := h.Getenv("VSYNC_PASSPHRASE_FILE"); f != "" {
		p, err := ReadPassphraseFile(f)
		if err != nil {
			return nil, fmt.Errorf("VSYNC_PASSPHRASE_FILE: %w", err)
		}
		return p, nil
	}
	return nil, nil
}

// ResolvePassphrase returns the passphrase of the vault at location:
// VSYNC_PASSPHRASE, else VSYNC_PASSPHRASE_FILE, else the local store. None
// is a *NoPassphraseError.
func (h Home) ResolvePassphrase(location, env string) ([]byte, error) {
	p, err := h.PassphraseFromEnv()
	if err != nil || p != nil {
		return p, err
	}
	path, err := h.PassphrasePath(location, env)
	if err != nil {
		return nil, err
	}
	p, err = ReadPassphraseFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, &NoPassphraseError{Env: env, Location: location}
	}
	return p, err
}
