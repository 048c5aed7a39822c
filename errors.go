package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/BurntSushi/toml"

	"vsync/internal/childenv"
	"vsync/launcher"
	"vsync/procfile"
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

// errorRule gives the errors it matches an exit code and, when hint is
// not nil, the hint printed under them.
type errorRule struct {
	match func(error) bool
	code  int
	hint  func(error) string
}

// is matches the errors that errors.Is finds target in.
func is(target error) func(error) bool {
	return func(err error) bool { return errors.Is(err, target) }
}

// as matches the errors that errors.As finds a T in.
func as[T error]() func(error) bool {
	return func(err error) bool {
		var t T
		return errors.As(err, &t)
	}
}

// text is a hint that does not depend on the error.
func text(hint string) func(error) string {
	return func(error) string { return hint }
}

// errorRules is the one table from error to exit code and hint (the
// codes are those of exitCodeDocs). The first rule that matches decides;
// packages below the CLI return sentinel or typed errors and know neither.
func errorRules() []errorRule {
	return []errorRule{
		{as[usageError](), exitUsage, usageHint},
		{anyOf(childenv.ErrBadDefault, childenv.ErrBadFileEnv), exitUsage, usageHint},
		{as[*childenv.ArgsTooLargeError](), exitTooBig, text("keep large values in files of the vault, which the child reads through their NAME_FILE variable")},
		{is(childenv.ErrNoVaultFile), exitNotFound, text(`list the vault's files with "vsync env"`)},
		{isMissingProcfile, exitNotFound, text("run vsync in the directory of the Procfile, or give its path with -f FILE")},
		{as[procfile.SyntaxErrors](), exitDataErr, text(procfileLineHint)},
		{is(procfile.ErrNoProcesses), exitDataErr, text(`add a line "NAME: COMMAND"`)},
		{anyOf(procfile.ErrUnknownProcess, procfile.ErrBadFormation), exitUsage, usageHint},
		{is(vault.ErrWrongPassphrase), exitPassphrase, text(wrongPassphraseHint)},
		{isTooLarge, exitTampered, tooLargeHint},
		{anyOf(vault.ErrIntegrity, vault.ErrUnsafePath, vault.ErrManifest, errChain), exitTampered,
			text(`nothing was written; the stored bundle is damaged or was tampered with: run "vsync verify ENV"`)},
		{as[*s3bundle.NoDirError](), exitUnreachable, func(err error) string {
			var nd *s3bundle.NoDirError
			errors.As(err, &nd)
			return fmt.Sprintf("create it (mkdir -m 700 %q), or point the profile elsewhere (\"vsync profile add NAME --dir PATH --force\"; \"vsync profile list\" shows them)", nd.Root)
		}},
		{is(s3bundle.ErrNoBucket), exitUnreachable, text(`check the profile's bucket ("vsync profile list"), or create the bucket`)},
		{is(s3bundle.ErrUnreachable), exitUnreachable, text("check the profile's endpoint and the network")},
		{is(errUnsafeCacheDir), exitConfig, text("--cache needs a directory of your own that only you can write to (chmod 700 DIR), or one vsync creates")},
		{is(launcher.ErrUnsafeBase), exitFailure, text("private files go under $XDG_RUNTIME_DIR, /dev/shm or $TMPDIR, the first one that is yours (or root's and sticky): set TMPDIR to a directory of your own")},
		{is(s3bundle.ErrAccessDenied), exitDenied, text("check the credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, the AWS profile, or the profile's keys")},
		{is(s3bundle.ErrConflict), exitConflict, nil},
		{anyOf(s3bundle.ErrNotExist, fs.ErrNotExist), exitNotFound, nil},
		{as[*vault.SyntaxError](), exitDataErr, nil},
		{anyOf(s3bundle.ErrToken, childenv.ErrNotStartable), exitDataErr, nil},
		{is(s3bundle.ErrNoCredentials), exitConfig, text("export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, give the profile an AWS profile (--aws-profile), or store keys in it (vsync profile add NAME ... --access-key K --secret-key-file FILE --force)")},
		{as[configError](), exitConfig, nil},
		{as[toml.ParseError](), exitConfig, nil},
	}
}

// wrongPassphraseHint is the hint under every wrong passphrase.
const wrongPassphraseHint = `check VSYNC_PASSPHRASE / VSYNC_PASSPHRASE_FILE, or store the right one with "vsync passphrase set ENV"`

// procfileLineHint is the hint under a Procfile's bad lines.
const procfileLineHint = `each line is "NAME: COMMAND" (NAME of letters, digits, '_' and '-') or a "#" comment`

// isMissingProcfile matches a Procfile that does not exist.
func isMissingProcfile(err error) bool {
	var fe *procfile.FileError
	return errors.As(err, &fe) && errors.Is(fe.Err, fs.ErrNotExist)
}

// anyOf matches the errors that errors.Is finds one of targets in.
func anyOf(targets ...error) func(error) bool {
	return func(err error) bool {
		for _, t := range targets {
			if errors.Is(err, t) {
				return true
			}
		}
		return false
	}
}

// usageHint points at the help of the command a usage error is about.
func usageHint(err error) string {
	var ic inCommand
	if errors.As(err, &ic) {
		return fmt.Sprintf("see \"vsync %s --help\"", ic.cmd)
	}
	return "see \"vsync --help\""
}

// exitCode maps an error to its documented exit code: an explicit one
// (cliError, being replaced by errorRules), else the first rule matching.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ce *cliError
	if errors.As(err, &ce) && ce.code != 0 {
		return ce.code
	}
	for _, r := range errorRules() {
		if r.match(err) {
			return r.code
		}
	}
	return exitFailure
}

// hintFor returns the hint to print under err: the innermost explicit one,
// else that of the first rule matching that has one.
func hintFor(err error) string {
	var ce *cliError
	if errors.As(err, &ce) && ce.hint != "" {
		return ce.hint
	}
	for _, r := range errorRules() {
		if r.hint != nil && r.match(err) {
			return r.hint(err)
		}
	}
	return ""
}

// printError prints err the age way: one "vsync: error:" line and an
// optional "vsync: hint:" line.
func printError(w io.Writer, err error) {
	if printProcfileLines(w, err) {
		return
	}
	msg := err.Error()
	msg = strings.ReplaceAll(strings.TrimSpace(msg), "\n", "; ")
	fmt.Fprintf(w, "vsync: error: %s\n", escapeControls(msg))
	if h := hintFor(err); h != "" {
		fmt.Fprintf(w, "vsync: hint: %s\n", escapeControls(h))
	}
}

// printProcfileLines prints a Procfile's bad lines, one
// `vsync: error: "Procfile" line N: reason` line each, then the hint, and
// reports whether err was that.
func printProcfileLines(w io.Writer, err error) bool {
	var fe *procfile.FileError
	var se procfile.SyntaxErrors
	if !errors.As(err, &fe) || !errors.As(fe.Err, &se) {
		return false
	}
	for _, e := range se {
		fmt.Fprintf(w, "vsync: error: %q line %d: %s\n", fe.Path, e.Line, e.Reason)
	}
	fmt.Fprintf(w, "vsync: hint: %s\n", hintFor(err))
	return true
}
