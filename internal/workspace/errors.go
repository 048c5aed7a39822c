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
	// ErrPrefixConflict: init was given a prefix other than that of a
	// project that records envs (one prefix per project).
	ErrPrefixConflict = errors.New("the project has another prefix")
	// ErrProfileConflict: init was given another profile than the one
	// vsync.toml records for the env.
	ErrProfileConflict = errors.New("the env has another profile")
	// ErrPendingFromEnv: VSYNC_PASSPHRASE or VSYNC_PASSPHRASE_FILE give
	// the new passphrase of an unfinished rotation, which needs the old
	// one to finish.
	ErrPendingFromEnv = errors.New("the environment gives the pending passphrase")
	// ErrInvalidProfileName: a profile name that is not
	// [a-z0-9][a-z0-9_-]*.
	ErrInvalidProfileName = errors.New("invalid profile name")
	// ErrNothingToRemove: there is no profile of that name to remove.
	ErrNothingToRemove = errors.New("no such profile")
)

// PassphraseNeededError: init found generations in the env's vault (a
// teammate created the env) and no passphrase to open them with.
type PassphraseNeededError struct {
	Env, Profile string
	Location     string // VaultLocation of the env
	Generations  int
}

func (e *PassphraseNeededError) Error() string {
	gens := fmt.Sprintf("%d generations", e.Generations)
	if e.Generations == 1 {
		gens = "1 generation"
	}
	return fmt.Sprintf("env %q already has %s in %s and no passphrase was given", e.Env, gens, e.Location)
}

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

// BadProfileError: the profile Name to add does not check out
// (Profile.Check's Err, whose message names profiles.toml's fields).
type BadProfileError struct {
	Name string
	Err  error
}

func (e *BadProfileError) Error() string { return fmt.Sprintf("profile %q: %v", e.Name, e.Err) }
func (e *BadProfileError) Unwrap() error { return e.Err }

// ProfileExistsError: a profile of that name exists already.
type ProfileExistsError struct{ Name string }

func (e *ProfileExistsError) Error() string { return fmt.Sprintf("profile %q exists", e.Name) }

// NotDirError: the directory of a --dir profile is something else.
type NotDirError struct{ Dir string }

func (e *NotDirError) Error() string { return fmt.Sprintf("%q is not a directory", e.Dir) }

// NoDotenvError: the dotenv file of env Env, Target (relative to the
// project's root), does not exist: the env was not pulled.
type NoDotenvError struct{ Env, Target string }

func (e *NoDotenvError) Error() string { return fmt.Sprintf("%q does not exist", e.Target) }

// RegularDotenvError: the project's .env (Path) is a regular file, which
// LinkDotenv never replaces by the symlink to Target.
type RegularDotenvError struct{ Path, Target string }

func (e *RegularDotenvError) Error() string {
	return fmt.Sprintf("%q is a regular file, not a symlink; not replacing it", e.Path)
}
