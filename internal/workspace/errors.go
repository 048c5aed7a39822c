package workspace

import (
	"errors"
	"fmt"
)

var (
	// ErrConfig: a malformed or incomplete vsync.toml or profiles.toml, a
	// missing profile or passphrase, a malformed passphrase file.
	ErrConfig = errors.New("bad configuration")
	// ErrNoProject: no vsync.toml in the directory or any parent.
	ErrNoProject = errors.New("no vsync.toml found")
	// ErrInvalidEnvName: an env name that is not [a-z0-9][a-z0-9_-]*.
	ErrInvalidEnvName = errors.New("invalid env name")
	// ErrInvalidPrefix: a bucket prefix that is not slash-separated name
	// components.
	ErrInvalidPrefix = errors.New("invalid prefix")
	// ErrLocalState: the local state file of an env is malformed or
	// belongs to another env.
	ErrLocalState = errors.New("bad local state")
	// ErrPassphraseLineBreak: a chosen passphrase holds a line break.
	ErrPassphraseLineBreak = errors.New("passphrase contains a line break")
	// ErrWeakPassphrase: a chosen passphrase is too short.
	ErrWeakPassphrase = errors.New("passphrase too short")
)

// NotRecordedError: the env is not recorded in the project's vsync.toml.
type NotRecordedError struct {
	Env         string
	ProjectFile string   // the vsync.toml
	Recorded    []string // the envs it records, sorted
}

func (e *NotRecordedError) Error() string {
	return fmt.Sprintf("env %q is not in %q", e.Env, e.ProjectFile)
}

// NoProfileError: profiles.toml has no profile of that name. It is an
// ErrConfig.
type NoProfileError struct{ Name string }

func (e *NoProfileError) Error() string        { return fmt.Sprintf("no profile %q", e.Name) }
func (e *NoProfileError) Is(target error) bool { return target == ErrConfig }

// NoPassphraseError: no passphrase in the environment or the store for an
// env. It is an ErrConfig.
type NoPassphraseError struct {
	Env      string
	Location string // VaultLocation of the env
}

func (e *NoPassphraseError) Error() string {
	return fmt.Sprintf("no passphrase for env %q (%s)", e.Env, e.Location)
}
func (e *NoPassphraseError) Is(target error) bool { return target == ErrConfig }

// NoEnvFolderError: the env's folder (infra/vault/ENV) does not exist.
type NoEnvFolderError struct{ Env, Dir string }

func (e *NoEnvFolderError) Error() string { return fmt.Sprintf("env folder %q does not exist", e.Dir) }

// kindError is err, which errors.Is also finds kind in.
type kindError struct{ kind, err error }

func (e *kindError) Error() string        { return e.err.Error() }
func (e *kindError) Unwrap() error        { return e.err }
func (e *kindError) Is(target error) bool { return target == e.kind }

// kindErrorf is fmt.Errorf's error marked as kind.
func kindErrorf(kind error, format string, a ...any) error {
	return &kindError{kind: kind, err: fmt.Errorf(format, a...)}
}

// configErrorf is fmt.Errorf's error marked as ErrConfig.
func configErrorf(format string, a ...any) error { return kindErrorf(ErrConfig, format, a...) }
