package workspace

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// A rotation in progress (vsync rotate-passphrase) keeps its new passphrase
// as a pending entry beside the vault's store file, "<file>.pending" (0600):
// the passphrase on the first line (so the file still works as a
// --passphrase-file), then "base N", N being the newest generation when the
// rotation started. It is written before the first object is rewritten and
// removed once the rotation is complete and the new passphrase became the
// stored one. A rerun of the rotation picks it up, so that an interrupted
// rotation to a generated passphrase can be finished without it being typed
// again. ResolvePassphrase never reads it.

// PendingRotation is the content of a pending entry.
type PendingRotation struct {
	Pass []byte
	Base uint64 // the newest generation when the rotation started
}

// PendingPath is the pending entry of the vault at location.
func (h Home) PendingPath(location, env string) (string, error) {
	p, err := h.PassphrasePath(location, env)
	if err != nil {
		return "", err
	}
	return p + ".pending", nil
}

// StorePendingRotation saves the pending entry of a rotation in progress.
func (h Home) StorePendingRotation(location, env string, pr PendingRotation) error {
	path, err := h.PendingPath(location, env)
	if err != nil {
		return err
	}
	return h.writePassphraseFile(path, fmt.Appendf(append([]byte{}, pr.Pass...), "\nbase %d", pr.Base))
}

// LoadPendingRotation returns the pending entry of an unfinished rotation,
// or nil when there is none. A malformed one is an ErrConfig.
func (h Home) LoadPendingRotation(location, env string) (*PendingRotation, error) {
	path, err := h.PendingPath(location, env)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	pass, rest, _ := strings.Cut(string(data), "\n")
	pr := &PendingRotation{Pass: []byte(strings.TrimSuffix(pass, "\r"))}
	if _, err := fmt.Sscanf(rest, "base %d", &pr.Base); err != nil || len(pr.Pass) == 0 {
		return nil, configErrorf("the pending passphrase entry %q is malformed", path)
	}
	return pr, nil
}

// RemovePendingRotation removes the pending entry; a missing one is fine.
func (h Home) RemovePendingRotation(location, env string) error {
	path, err := h.PendingPath(location, env)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
