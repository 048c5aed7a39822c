package runtimevault

import (
	"errors"
	"fmt"
)

// ErrFetchTimeout: the vault did not answer within Options.FetchTimeout.
// It marks the fetch's error, whose message it leaves as it is.
var ErrFetchTimeout = errors.New("the vault did not answer in time")

// ErrNoPassphrase: a runtime token is set but no passphrase variable.
var ErrNoPassphrase = errors.New("VSYNC_CONFIG is set but VSYNC_PASSPHRASE is not")

// ErrLocalNeedsEnv: Local without Env (and no runtime token).
var ErrLocalNeedsEnv = errors.New("--local needs --env ENV")

// EnvMismatchError: Options.Env names another env than the runtime
// token's.
type EnvMismatchError struct {
	Env      string // Options.Env
	TokenEnv string
}

func (e *EnvMismatchError) Error() string {
	return fmt.Sprintf("--env %q does not match the runtime token's env %q", e.Env, e.TokenEnv)
}

// TokenFileError: the file VSYNC_CONFIG_FILE names cannot be read.
type TokenFileError struct{ Err error }

func (e *TokenFileError) Error() string { return "VSYNC_CONFIG_FILE: " + e.Err.Error() }
func (e *TokenFileError) Unwrap() error { return e.Err }

// TokenError: the runtime token in Var (VSYNC_CONFIG or
// VSYNC_CONFIG_FILE) is not one (s3bundle.ErrToken), or names no valid
// env. It never quotes the token.
type TokenError struct {
	Var string
	Err error
}

func (e *TokenError) Error() string { return e.Var + ": " + e.Err.Error() }
func (e *TokenError) Unwrap() error { return e.Err }

// TokenCredentialsError: the bucket of a runtime token that holds no keys
// found no credentials in the environment either
// (s3bundle.ErrNoCredentials). Env is the token's env.
type TokenCredentialsError struct {
	Env string
	Err error
}

func (e *TokenCredentialsError) Error() string { return e.Err.Error() }
func (e *TokenCredentialsError) Unwrap() error { return e.Err }

// NotStartedError: the bundle is one no child may start from
// (childenv.ErrNotStartable): nothing was started.
type NotStartedError struct{ Err error }

func (e *NotStartedError) Error() string { return e.Err.Error() }
func (e *NotStartedError) Unwrap() error { return e.Err }

// fetchTimeout marks err, a fetch that ran out of time, ErrFetchTimeout.
type fetchTimeout struct{ err error }

func (e *fetchTimeout) Error() string   { return e.err.Error() }
func (e *fetchTimeout) Unwrap() []error { return []error{e.err, ErrFetchTimeout} }
