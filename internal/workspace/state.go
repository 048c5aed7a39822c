package workspace

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"vsync/vault"
)

// Local state, one file per env: infra/vault/.vsync/ENV.json (0600, in a
// 0700 directory; infra/vault/ is gitignored and ".vsync" can never be an
// env name). It records the generation the env's folder is based on — the
// last one pushed from or pulled into it — that generation's payload
// SHA-256 (the next push's ParentSHA256), and the hash of every file as it
// was on disk right after that push or pull. push uses it to refuse a stale
// base and to notice that nothing changed; pull uses it to refuse to
// overwrite local edits that were never pushed.

// LocalState is the content of infra/vault/.vsync/ENV.json.
type LocalState struct {
	Env           string      `json:"env"`
	Vault         string      `json:"vault"` // the vault's location, for people reading the file
	Generation    uint64      `json:"generation"`
	PayloadSHA256 string      `json:"payload_sha256,omitempty"`
	Files         []StateFile `json:"files"`
	// S2KSalt is the S2K salt (hex) this clone seals with under a chosen
	// passphrase, drawn at its first push and kept by pulls, so that a
	// history costs one key derivation per clone that pushed, not one per
	// generation (see docs/format.md). Not a secret.
	S2KSalt string `json:"s2k_salt,omitempty"`
}

// Salt returns the clone's S2K salt, or a new one when the state holds
// none (or not one of vault.SaltLen bytes), which it records in s.
func (s *LocalState) Salt() ([]byte, error) {
	if b, err := hex.DecodeString(s.S2KSalt); err == nil && len(b) == vault.SaltLen {
		return b, nil
	}
	b, err := vault.NewSalt()
	if err != nil {
		return nil, err
	}
	s.S2KSalt = hex.EncodeToString(b)
	return b, nil
}

// StateFile is a file's recorded hash and mode.
type StateFile struct {
	Path   string      `json:"path"`
	Mode   fs.FileMode `json:"mode"`
	SHA256 string      `json:"sha256"`
}

// StatePath is the local state file of env.
func (p *Project) StatePath(env string) string {
	return filepath.Join(p.VaultDir(), ".vsync", env+".json")
}

// LoadState returns the env's local state; one that was never written is
// the zero state (generation 0, no files). A malformed one, or one of
// another env, is an ErrLocalState.
func (p *Project) LoadState(env string) (*LocalState, error) {
	path := p.StatePath(env)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &LocalState{Env: env}, nil
	}
	if err != nil {
		return nil, err
	}
	var s LocalState
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, kindErrorf(ErrLocalState, "local state %q is malformed", path)
	}
	if s.Env != env {
		return nil, kindErrorf(ErrLocalState, "local state %q belongs to env %q", path, s.Env)
	}
	return &s, nil
}

// SaveState writes the env's local state atomically.
func (p *Project) SaveState(s *LocalState) error {
	dir := filepath.Join(p.VaultDir(), ".vsync")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(p.StatePath(s.Env), append(data, '\n'), 0o600)
}

// HashFiles returns the state records of files.
func HashFiles(files []vault.File) []StateFile {
	out := make([]StateFile, 0, len(files))
	for _, f := range files {
		sum := sha256.Sum256(f.Data)
		out = append(out, StateFile{Path: f.Path, Mode: f.Mode.Perm(), SHA256: hex.EncodeToString(sum[:])})
	}
	return out
}

// ManifestFiles returns the state records of the files a manifest lists,
// from its digests (checked against the files when the bundle was opened
// or made), without hashing anything.
func ManifestFiles(m *vault.Manifest) []StateFile {
	out := make([]StateFile, len(m.Files))
	for i, e := range m.Files {
		out[i] = StateFile{Path: e.Path, Mode: e.Mode, SHA256: e.SHA256}
	}
	return out
}

// SameRecords reports whether two sets of state records are the same, in
// any order.
func SameRecords(recorded, now []StateFile) bool {
	if len(now) != len(recorded) {
		return false
	}
	want := map[string]StateFile{}
	for _, f := range recorded {
		want[f.Path] = f
	}
	for _, f := range now {
		if want[f.Path] != f {
			return false
		}
	}
	return true
}

// ReadEnvFolder reads the env's folder (infra/vault/ENV). A missing
// folder is a *NoEnvFolderError.
func (p *Project) ReadEnvFolder(env string) ([]vault.File, error) {
	dir := p.EnvDir(env)
	if _, err := os.Stat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &NoEnvFolderError{Env: env, Dir: dir}
		}
		return nil, err
	}
	files, err := vault.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading %q: %w", dir, err)
	}
	return files, nil
}
