package history

import (
	"errors"
	"fmt"
)

// ErrNothingPushed: the env has no generation yet (*NothingPushedError
// says which env and where).
var ErrNothingPushed = errors.New("nothing was pushed")

// ErrChain: a generation's manifest or the parent hash chain is wrong
// (Verify). Treated as tampering.
var ErrChain = errors.New("history check failed")

// ErrAlreadyRotated: every object of the env already opens with the new
// passphrase, so the current one opens none (Rotation.Run); nothing was
// changed. It matches vault.ErrWrongPassphrase too.
var ErrAlreadyRotated = errors.New("already rotated")

// ErrRotationRaced: new generations kept arriving while a rotation
// rewrapped the history; running it again finishes it.
var ErrRotationRaced = errors.New("the history kept changing")

// ErrSamePassphrase: the new passphrase of a rotation is the current one.
var ErrSamePassphrase = errors.New("the new passphrase is the current one")

// ErrPushTooLarge: the bundle of a push is over the maximum bundle size;
// nothing was pushed. It matches the size error too.
var ErrPushTooLarge = errors.New("bundle too large to push")

// ErrBadDotenv: a dotenv file of the folder to push does not parse
// (CheckDotenvs); nothing was pushed.
var ErrBadDotenv = errors.New("a dotenv file does not parse")

// PushConflictError: generation Gen of env Env was pushed by someone else
// meanwhile; nothing was pushed. It matches s3bundle.ErrConflict.
type PushConflictError struct {
	Env string
	Gen uint64
	Err error
}

func (e *PushConflictError) Error() string {
	return fmt.Sprintf("generation %d of env %q was pushed by someone else meanwhile", e.Gen, e.Env)
}
func (e *PushConflictError) Unwrap() error { return e.Err }

// NothingPushedError is ErrNothingPushed for env Env of the vault at
// Location. It also matches its cause (s3bundle.ErrNotExist when an
// object was missing).
type NothingPushedError struct {
	Env      string
	Location string
	Err      error // the cause; may be nil
}

func (e *NothingPushedError) Error() string {
	return fmt.Sprintf("nothing was pushed to env %q yet (%s)", e.Env, e.Location)
}
func (e *NothingPushedError) Is(target error) bool { return target == ErrNothingPushed }
func (e *NothingPushedError) Unwrap() error        { return e.Err }

// NoGenerationError: env Env has no generation Gen. It matches its cause,
// s3bundle.ErrNotExist.
type NoGenerationError struct {
	Env string
	Gen uint64
	Err error
}

func (e *NoGenerationError) Error() string {
	return fmt.Sprintf("env %q has no generation %d", e.Env, e.Gen)
}
func (e *NoGenerationError) Unwrap() error { return e.Err }

// EnvError marks an error about a stored object of env Env (one that could
// not be read, opened or checked), so that the CLI can name the env in its
// hint. Its message is Err's.
type EnvError struct {
	Env string
	Err error
}

func (e *EnvError) Error() string { return e.Err.Error() }
func (e *EnvError) Unwrap() error { return e.Err }

// CurrentError: the history checked out but current.pgp of env Env is
// missing (Missing) or does not hold the newest generation. An interrupted
// push leaves this; the next pull or push rolls it forward. It matches
// ErrChain.
type CurrentError struct {
	Env     string
	Missing bool
	msg     string
}

func (e *CurrentError) Error() string { return e.msg }
func (e *CurrentError) Unwrap() error { return ErrChain }

// wrapped is an error with its own message that still matches its causes
// with errors.Is/As.
type wrapped struct {
	msg  string
	errs []error
}

func (e *wrapped) Error() string   { return e.msg }
func (e *wrapped) Unwrap() []error { return e.errs }

// quietWrap wraps errs under a message that does not repeat theirs.
func quietWrap(msg string, errs ...error) error {
	return &wrapped{msg: msg, errs: errs}
}

// UnfinishedRotationError: a rotation of env Env stopped on Err after
// rewriting Rewrapped objects; every object opens with the old or the new
// passphrase, and running it again finishes it. KeptIn names where the
// new passphrase is kept meanwhile (Rotation.KeptIn). Its message is
// Err's.
type UnfinishedRotationError struct {
	Env       string
	Rewrapped int
	KeptIn    string
	Err       error
}

func (e *UnfinishedRotationError) Error() string { return e.Err.Error() }
func (e *UnfinishedRotationError) Unwrap() error { return e.Err }

// NothingChangedError: a rotation of env Env stopped on Err before it
// rewrote anything.
type NothingChangedError struct {
	Env string
	Err error
}

func (e *NothingChangedError) Error() string { return e.Err.Error() + "; nothing was changed" }
func (e *NothingChangedError) Unwrap() error { return e.Err }
