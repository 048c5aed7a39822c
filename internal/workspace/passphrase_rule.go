package workspace

import (
	"bytes"
	"unicode/utf8"

	"vsync/vault"
)

// MinChosenPassphrase is the fewest characters a chosen (not generated)
// passphrase may have unless weak ones are allowed.
const MinChosenPassphrase = 16

// The passphrase rule, one for init, passphrase set and rotate-passphrase:
// a passphrase that becomes an env's without being checked against
// generations it already opens (a new env's, one stored before anything
// was pushed or with --no-check, a rotation's new one) is a choice, and a
// chosen passphrase has at least MinChosenPassphrase characters unless
// allowed to be weak (--allow-weak-passphrase), and no line break (a
// passphrase file holds one line). A passphrase vsync generated
// (vault.IsGenerated) always passes; one that opens existing generations
// is the env's, whatever its length.

// CheckChosenPassphrase applies the passphrase rule to p; what names it
// in the error ("VSYNC_PASSPHRASE", "the new passphrase"). The error is an
// ErrPassphraseLineBreak or an ErrWeakPassphrase.
func CheckChosenPassphrase(p []byte, allowWeak bool, what string) error {
	if bytes.ContainsAny(p, "\r\n") {
		// The store and the pending entry hold the first line of a
		// file, without a final CR: such a passphrase would not read back.
		return kindErrorf(ErrPassphraseLineBreak, "%s contains a line break; a passphrase file holds one line", what)
	}
	if !vault.IsGenerated(string(p)) && utf8.RuneCount(p) < MinChosenPassphrase && !allowWeak {
		return kindErrorf(ErrWeakPassphrase, "%s has fewer than %d characters", what, MinChosenPassphrase)
	}
	return nil
}

// GeneratePassphrase is vault.GeneratePassphrase as a []byte: a
// generated passphrase, which the passphrase rule always accepts.
func GeneratePassphrase() ([]byte, error) {
	p, err := vault.GeneratePassphrase()
	if err != nil {
		return nil, err
	}
	return []byte(p), nil
}
