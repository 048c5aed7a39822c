package main

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

// vaultKey names a vault for the passphrase store and for messages:
// "s3://bucket/prefix/env at https://endpoint", "dir:/path/prefix/env".
func vaultKey(p profile, prefix, env string) string {
	k := p.location() + "/"
	if prefix != "" {
		k += prefix + "/"
	}
	return k + env + p.endpointNote()
}

// passphraseStorePath is the store file of a vault.
func passphraseStorePath(sys *sysEnv, key, env string) (string, error) {
	d, err := configDir(sys)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(d, "passphrases", env+"-"+hex.EncodeToString(sum[:12])), nil
}

// storePassphrase saves a vault's passphrase in the local store.
func storePassphrase(sys *sysEnv, key, env string, pass []byte) error {
	if _, err := ensureConfigDir(sys, "passphrases"); err != nil {
		return err
	}
	path, err := passphraseStorePath(sys, key, env)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(append([]byte{}, pass...), '\n'), 0o600)
}

// readPassphraseFile returns the first line of a passphrase file, as gpg's
// --passphrase-file does. It never quotes the content in errors.
func readPassphraseFile(path string) ([]byte, error) {
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

// passphraseFromEnv returns VSYNC_PASSPHRASE, or the content of
// VSYNC_PASSPHRASE_FILE, or nil when neither is set.
func passphraseFromEnv(sys *sysEnv) ([]byte, error) {
	if p := sys.Getenv("VSYNC_PASSPHRASE"); p != "" {
		return []byte(p), nil
	}
	if f := sys.Getenv("VSYNC_PASSPHRASE_FILE"); f != "" {
		p, err := readPassphraseFile(f)
		if err != nil {
			return nil, fmt.Errorf("VSYNC_PASSPHRASE_FILE: %w", err)
		}
		return p, nil
	}
	return nil, nil
}

// resolvePassphrase returns the passphrase of a vault: VSYNC_PASSPHRASE,
// else VSYNC_PASSPHRASE_FILE, else the local store.
func resolvePassphrase(sys *sysEnv, key, env string) ([]byte, error) {
	p, err := passphraseFromEnv(sys)
	if err != nil || p != nil {
		return p, err
	}
	path, err := passphraseStorePath(sys, key, env)
	if err != nil {
		return nil, err
	}
	p, err = readPassphraseFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, withCode(configErrorf("no passphrase for env %q (%s)", env, key), exitConfig,
			fmt.Sprintf("set VSYNC_PASSPHRASE or VSYNC_PASSPHRASE_FILE, or store it with \"vsync passphrase set %s\"", env))
	}
	return p, err
}
