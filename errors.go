package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/BurntSushi/toml"

	"vsync/launcher"
	"vsync/s3bundle"
	"vsync/vault"
)

// cliError decorates an error with a hint for the user and, when code is
// not 0, the exit code to use instead of the one exitCode would derive.
type cliError struct {
	err  error
	hint string
	code int
}

func (e *cliError) Error() string { return e.err.Error() }
func (e *cliError) Unwrap() error { return e.err }

// withHint adds a "vsync: hint:" line to err.
func withHint(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &cliError{err: err, hint: hint}
}

// withCode sets err's exit code and hint.
func withCode(err error, code int, hint string) error {
	return &cliError{err: err, hint: hint, code: code}
}

// errorf is fmt.Errorf with an exit code and a hint.
func errorf(code int, hint, format string, a ...any) error {
	return withCode(fmt.Errorf(format, a...), code, hint)
}

// errChain: a generation's manifest or the parent hash chain is wrong
// (verify). Treated as tampering.
var errChain = errors.New("history check failed")

// configError is a malformed or incomplete vsync.toml / profiles.toml, a
// missing profile, project or passphrase: exitConfig.
type configError struct{ err error }

func (e configError) Error() string { return e.err.Error() }
func (e configError) Unwrap() error { return e.err }

func configErrorf(format string, a ...any) error { return configError{fmt.Errorf(format, a...)} }

// exitCode maps an error to the documented exit code (exitcodes.go). It is
// the only place that decides one.
func exitCode(err error) int {
	var ce *cliError
	var ue usageError
	var se *vault.SyntaxError
	var cfe configError
	var pe toml.ParseError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ce) && ce.code != 0:
		return ce.code
	case errors.As(err, &ue):
		return exitUsage
	case errors.Is(err, vault.ErrWrongPassphrase):
		return exitPassphrase
	case errors.Is(err, vault.ErrIntegrity), errors.Is(err, vault.ErrUnsafePath),
		errors.Is(err, vault.ErrManifest), errors.Is(err, errChain), isTooLarge(err):
		return exitTampered
	case errors.Is(err, s3bundle.ErrUnreachable), errors.Is(err, s3bundle.ErrNoBucket):
		return exitUnreachable
	case errors.Is(err, errUnsafeCacheDir):
		return exitConfig
	case errors.Is(err, s3bundle.ErrAccessDenied):
		return exitDenied
	case errors.Is(err, s3bundle.ErrConflict):
		return exitConflict
	case errors.Is(err, s3bundle.ErrNotExist), errors.Is(err, fs.ErrNotExist):
		return exitNotFound
	case errors.As(err, &se), errors.Is(err, s3bundle.ErrToken), errors.Is(err, errNotStartable):
		return exitDataErr
	case errors.As(err, &cfe), errors.As(err, &pe), errors.Is(err, s3bundle.ErrNoCredentials):
		return exitConfig
	case errors.Is(err, context.Canceled):
		return exitFailure
	}
	return exitFailure
}

// hintFor returns the hint to print under err: the innermost explicit one,
// else a default for the kind of error.
func hintFor(err error) string {
	var ce *cliError
	if errors.As(err, &ce) && ce.hint != "" {
		return ce.hint
	}
	var nd *s3bundle.NoDirError
	switch {
	case isTooLarge(err):
		return tooLargeHint(err)
	case errors.Is(err, vault.ErrWrongPassphrase):
		return "check VSYNC_PASSPHRASE / VSYNC_PASSPHRASE_FILE, or store the right one with \"vsync passphrase set ENV\""
	case errors.Is(err, vault.ErrIntegrity), errors.Is(err, vault.ErrUnsafePath),
		errors.Is(err, vault.ErrManifest), errors.Is(err, errChain):
		return "nothing was written; the stored bundle is damaged or was tampered with: run \"vsync verify ENV\""
	case errors.As(err, &nd):
		return fmt.Sprintf("create it (mkdir -m 700 %q), or point the profile elsewhere (\"vsync profile add NAME --dir PATH --force\"; \"vsync profile list\" shows them)", nd.Root)
	case errors.Is(err, s3bundle.ErrNoBucket):
		return "check the profile's bucket (\"vsync profile list\"), or create the bucket"
	case errors.Is(err, s3bundle.ErrUnreachable):
		return "check the profile's endpoint and the network"
	case errors.Is(err, errUnsafeCacheDir):
		return "--cache needs a directory of your own that only you can write to (chmod 700 DIR), or one vsync creates"
	case errors.Is(err, launcher.ErrUnsafeBase):
		return "private files go under $XDG_RUNTIME_DIR, /dev/shm or $TMPDIR, the first one that is yours (or root's and sticky): set TMPDIR to a directory of your own"
	case errors.Is(err, s3bundle.ErrNoCredentials):
		return "export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, give the profile an AWS profile (--aws-profile), or store keys in it (vsync profile add NAME ... --access-key K --secret-key-file FILE --force)"
	case errors.Is(err, s3bundle.ErrAccessDenied):
		return "check the credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, the AWS profile, or the profile's keys"
	}
	var ue usageError
	if errors.As(err, &ue) {
		var ic inCommand
		if errors.As(err, &ic) {
			return fmt.Sprintf("see \"vsync %s --help\"", ic.cmd)
		}
		return "see \"vsync --help\""
	}
	return ""
}

// printError prints err the age way: one "vsync: error:" line and an
// optional "vsync: hint:" line.
func printError(w io.Writer, err error) {
	msg := err.Error()
	msg = strings.ReplaceAll(strings.TrimSpace(msg), "\n", "; ")
	fmt.Fprintf(w, "vsync: error: %s\n", escapeControls(msg))
	if h := hintFor(err); h != "" {
		fmt.Fprintf(w, "vsync: hint: %s\n", escapeControls(h))
	}
}
