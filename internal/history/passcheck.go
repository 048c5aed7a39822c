package history

import (
	"context"
	"errors"
	"fmt"

	"vsync/s3bundle"
)

// CanCheckPassphrase reports whether the env has a current.pgp to check a
// passphrase against: not when nothing was pushed yet. Not being able to
// look is a *CheckUnavailableError.
func (e *Env) CanCheckPassphrase(ctx context.Context) (bool, error) {
	_, err := e.Store.Current(ctx)
	switch {
	case errors.Is(err, s3bundle.ErrNotExist):
		return false, nil
	case err != nil:
		return false, &CheckUnavailableError{Err: fmt.Errorf("checking the passphrase against %s: %w", e.Location, err)}
	}
	return true, nil
}

// CheckPassphrase opens the newest generation with pass, the env's
// passphrase from now on. When it does not, the error is a
// *PassphraseCheckError.
func (e *Env) CheckPassphrase(ctx context.Context, pass []byte) error {
	e.Passphrase = pass
	if _, _, err := e.Fetch(ctx, 0); err != nil {
		return &PassphraseCheckError{Err: err}
	}
	return nil
}

// CheckUnavailableError: the vault did not tell whether it has anything
// to check a passphrase against. Its message is Err's.
type CheckUnavailableError struct{ Err error }

func (e *CheckUnavailableError) Error() string { return e.Err.Error() }
func (e *CheckUnavailableError) Unwrap() error { return e.Err }

// PassphraseCheckError: a passphrase did not open the newest generation
// (Err says why). Its message is Err's.
type PassphraseCheckError struct{ Err error }

func (e *PassphraseCheckError) Error() string { return e.Err.Error() }
func (e *PassphraseCheckError) Unwrap() error { return e.Err }
