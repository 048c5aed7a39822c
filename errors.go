package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/BurntSushi/toml"

	"vsync/internal/bundlecache"
	"vsync/internal/childenv"
	"vsync/internal/export"
	"vsync/internal/history"
	"vsync/internal/runtimevault"
	"vsync/internal/status"
	"vsync/internal/supervise"
	"vsync/internal/workspace"
	"vsync/launcher"
	"vsync/procfile"
	"vsync/s3bundle"
	"vsync/vault"
)

// errorRule gives the errors it matches an exit code and, when hint is
// not nil, the hint printed under them. A rule of code 0 gives only the
// hint: the code is that of the first rule below that matches and gives
// one.
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

// hintFrom is a hint made from the T that errors.As finds in the error
// (the rule's match is as[T]).
func hintFrom[T error](hint func(T) string) func(error) string {
	return func(err error) string {
		var t T
		errors.As(err, &t)
		return hint(t)
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
		{as[secretFileError](), exitNotFound, nil},
		{as[*history.CheckUnavailableError](), 0, text("store it anyway with --no-check")},
		{as[*history.PassphraseCheckError](), 0, text("nothing was stored")},
		{is(runtimevault.ErrLocalNeedsEnv), exitUsage, usageHint},
		{as[*runtimevault.EnvMismatchError](), exitUsage, usageHint},
		{as[*runtimevault.TokenCredentialsError](), 0, hintFrom(func(e *runtimevault.TokenCredentialsError) string {
			return fmt.Sprintf("the runtime token holds no keys: export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY where it runs, or mint one with a read-only key in it (vsync runtime-token --env %s --access-key K --secret-key-file FILE)", e.Env)
		})},
		{as[*runtimevault.NotStartedError](), 0,
			text(`nothing was started; rename or move the files named ("vsync pull" refuses this generation too), then push a new generation`)},
		{is(runtimevault.ErrFetchTimeout), exitUnreachable, text("the vault did not answer within --fetch-timeout")},
		{is(runtimevault.ErrNoPassphrase), exitConfig, text("set VSYNC_PASSPHRASE or VSYNC_PASSPHRASE_FILE to the env's passphrase")},
		{as[*runtimevault.TokenFileError](), exitNotFound, nil},
		{as[*runtimevault.TokenError](), exitDataErr, text(`mint a token with "vsync runtime-token --env ENV" and pass it whole`)},
		{as[*history.UnfinishedRotationError](), 0, hintFrom(func(e *history.UnfinishedRotationError) string {
			return fmt.Sprintf("the rotation is unfinished: %s rewrapped and every object opens with the old or the new passphrase; run the same command again to finish (the new passphrase is kept in %q)", plural(e.Rewrapped, "object"), e.KeptIn)
		})},
		{both(as[*history.NothingChangedError](), is(vault.ErrWrongPassphrase)), 0, hintFrom(func(e *history.NothingChangedError) string {
			return wrongPassphraseHint(fmt.Sprintf(" or the stored passphrase (\"vsync passphrase set %s\")", e.Env))
		})},
		{as[*bundlecache.CachedBundleError](), 0, hintFrom(cachedBundleHint)},
		{both(as[*bundlecache.OfflineError](), is(bundlecache.ErrNoCache)), exitUnreachable,
			text("the cache is written by a start that reaches the bucket; check the endpoint and the network")},
		{both(as[*bundlecache.OfflineError](), as[*bundlecache.AgeError]()), exitUnreachable,
			text("start once with the bucket reachable to refresh the cache, or allow an older one with --cache-max-age")},
		{as[*bundlecache.OfflineError](), exitUnreachable, nil},
		{anyOf(childenv.ErrBadDefault, childenv.ErrBadFileEnv), exitUsage, usageHint},
		{as[*status.NotRunningError](), exitUsage, usageHint},
		{is(runtimevault.ErrNothingToCheck), exitUsage, usageHint},
		{as[*supervise.IntervalError](), exitUsage, text("write --watch alone for 30s, or --watch=10s")},
		{as[*supervise.ReloadSignalError](), exitUsage, text("a reload signal is any signal vsync forwards but TERM, INT and QUIT: HUP, USR1, USR2, WINCH, ALRM... (gunicorn and nginx reload on HUP; see vsync run --help)")},
		{anyOf(supervise.ErrReloadNeedsWatch, supervise.ErrNotWatchable), exitUsage, usageHint},
		{as[*supervise.CommandError](), exitDataErr, nil},
		{is(supervise.ErrNothingToStart), exitUsage, usageHint},
		{as[*supervise.NotDirError](), exitUsage, usageHint},
		{as[*childenv.ArgsTooLargeError](), exitTooBig, text("keep large values in files of the vault, which the child reads through their NAME_FILE variable")},
		{is(childenv.ErrNoVaultFile), exitNotFound, text(`list the vault's files with "vsync env"`)},
		{isMissingProcfile, exitNotFound, text("run vsync in the directory of the Procfile, or give its path with -f FILE")},
		{as[procfile.SyntaxErrors](), exitDataErr, text(procfileLineHint)},
		{is(procfile.ErrNoProcesses), exitDataErr, text(`add a line "NAME: COMMAND"`)},
		{anyOf(procfile.ErrUnknownProcess, procfile.ErrBadFormation, procfile.ErrBadPort, export.ErrUnknownFormat, export.ErrBadAppName), exitUsage, usageHint},
		{as[*export.OneOffError](), exitUsage, usageHint},
		{anyOf(workspace.ErrInvalidEnvName, workspace.ErrInvalidPrefix, workspace.ErrPassphraseLineBreak,
			workspace.ErrPrefixConflict, workspace.ErrProfileConflict, workspace.ErrInvalidProfileName, history.ErrSamePassphrase), exitUsage, usageHint},
		{as[*workspace.ProfileExistsError](), exitUsage, hintFrom(func(e *workspace.ProfileExistsError) string {
			return fmt.Sprintf("replace it with --force, or remove it with \"vsync profile remove %s\"", e.Name)
		})},
		{is(workspace.ErrNothingToRemove), exitNotFound, text(`see "vsync profile list"`)},
		{as[*s3bundle.NoCurrentError](), exitNotFound, hintFrom(func(e *s3bundle.NoCurrentError) string {
			return fmt.Sprintf("push a first generation with \"vsync push %s --note ...\", then check again", e.Env)
		})},
		{as[*s3bundle.CanWriteError](), exitFailure, hintFrom(func(e *s3bundle.CanWriteError) string {
			if e.Accepted {
				return `give the runtime a read-only key; run "vsync verify" on the env`
			}
			return "give the runtime a key whose policy allows only s3:GetObject on PREFIX/ENV/*"
		})},
		{as[*workspace.DirTokenError](), exitConfig, text(`at runtime use "vsync run --env ENV --local" or a profile on a bucket`)},
		{as[*workspace.NoDotenvError](), exitNotFound, hintFrom(func(e *workspace.NoDotenvError) string {
			return fmt.Sprintf("get it with \"vsync pull %s\"", e.Env)
		})},
		{as[*workspace.RegularDotenvError](), exitLocalEdits, hintFrom(func(e *workspace.RegularDotenvError) string {
			return fmt.Sprintf("move it into %q and push it, or remove it", e.Target)
		})},
		{is(workspace.ErrPendingFromEnv), exitUsage, text("to finish it, run the same command with the old passphrase there, or with neither set to use the stored one")},
		{as[*workspace.PassphraseNeededError](), exitConfig, hintFrom(func(e *workspace.PassphraseNeededError) string {
			return fmt.Sprintf("ask a teammate for it, then \"VSYNC_PASSPHRASE=... vsync init %s --profile %s\" or \"vsync passphrase set %s\"", e.Env, e.Profile, e.Env)
		})},
		{is(workspace.ErrWeakPassphrase), exitUsage, text("choose a longer one, let vsync generate one, or add --allow-weak-passphrase")},
		{is(workspace.ErrNoProject), exitConfig, text(`run "vsync init ENV --profile P" in the project's root directory`)},
		{as[*workspace.NotRecordedError](), exitNotFound, hintFrom(notRecordedHint)},
		{as[*workspace.NoProfileError](), exitConfig, hintFrom(func(e *workspace.NoProfileError) string {
			return fmt.Sprintf("add it with \"vsync profile add %s --bucket B\" or \"--dir PATH\"", e.Name)
		})},
		{as[*workspace.NoPassphraseError](), exitConfig, hintFrom(func(e *workspace.NoPassphraseError) string {
			return fmt.Sprintf("set VSYNC_PASSPHRASE or VSYNC_PASSPHRASE_FILE, or store it with \"vsync passphrase set %s\"", e.Env)
		})},
		{is(workspace.ErrLocalState), exitConfig, text("remove it; the next pull records it again")},
		{as[*workspace.NoEnvFolderError](), exitNotFound, hintFrom(func(e *workspace.NoEnvFolderError) string {
			return fmt.Sprintf("get it with \"vsync pull %s\", or create it with \"vsync init %s --profile P\"", e.Env, e.Env)
		})},
		{is(history.ErrAlreadyRotated), exitPassphrase, envHint(`if a rotation to it was interrupted, run it again on the machine that started it; else the passphrase is already rotated: "vsync passphrase set %s"`)},
		{is(history.ErrRotationRaced), exitConflict, text("run the same command again to finish")},
		{is(history.ErrNothingPushed), exitNotFound, nothingPushedHint},
		{is(history.ErrPushTooLarge), exitDataErr, tooLargeHint},
		{is(history.ErrBadDotenv), exitDataErr, text("fix the line, then push again; nothing was pushed")},
		{as[*history.StaleBaseError](), exitConflict, hintFrom(staleBaseHint)},
		{as[*history.UnchangedError](), exitUnchanged, hintFrom(func(e *history.UnchangedError) string {
			return "edit the files in \"" + workspace.VaultDirRel + "/" + e.Env + "/\" first"
		})},
		{as[*workspace.LocalEditsError](), exitLocalEdits, hintFrom(func(e *workspace.LocalEditsError) string {
			return fmt.Sprintf("see them with \"vsync diff %s\"; push them, or drop them with \"vsync pull %s --force\"", e.Env, e.Env)
		})},
		{as[*workspace.FolderReadError](), 0, text("fix it, or overwrite it with --force")},
		{is(childenv.ErrNotStartable), 0, notStartableHint},
		{as[*history.PushConflictError](), exitConflict, hintFrom(func(pc *history.PushConflictError) string {
			return fmt.Sprintf("nothing of yours was lost: \"vsync diff %s\", then \"vsync pull %s --force\" after saving your edits, and push again", pc.Env, pc.Env)
		})},
		{as[*history.NoGenerationError](), exitNotFound, hintFrom(func(ng *history.NoGenerationError) string {
			return fmt.Sprintf("list the generations with \"vsync log %s\"", ng.Env)
		})},
		{as[*history.CurrentError](), exitTampered, currentHint},
		{is(vault.ErrWrongPassphrase), exitPassphrase, func(err error) string {
			return wrongPassphraseHint(fmt.Sprintf(", or store the right one with \"vsync passphrase set %s\"", envOf(err)))
		}},
		{history.IsTooLarge, exitTampered, tooLargeHint},
		{both(as[*history.EnvError](), isDamaged), exitTampered,
			envHint(`nothing was written; the stored bundle is damaged or was tampered with ("vsync verify %s" checks every generation)`)},
		{anyOf(vault.ErrIntegrity, vault.ErrUnsafePath, vault.ErrManifest, history.ErrChain), exitTampered,
			text(`nothing was written; the stored bundle is damaged or was tampered with: run "vsync verify ENV"`)},
		{as[*s3bundle.NoDirError](), exitUnreachable, hintFrom(func(nd *s3bundle.NoDirError) string {
			return fmt.Sprintf("create it (mkdir -m 700 %q), or point the profile elsewhere (\"vsync profile add NAME --dir PATH --force\"; \"vsync profile list\" shows them)", nd.Root)
		})},
		{is(s3bundle.ErrNoBucket), exitUnreachable, text(`check the profile's bucket ("vsync profile list"), or create the bucket`)},
		{is(s3bundle.ErrUnreachable), exitUnreachable, text("check the profile's endpoint and the network")},
		{is(bundlecache.ErrUnsafeDir), exitConfig, text("--cache needs a directory of your own that only you can write to (chmod 700 DIR), or one vsync creates")},
		{is(launcher.ErrUnsafeBase), exitFailure, text("private files go under $XDG_RUNTIME_DIR, /dev/shm or $TMPDIR, the first one that is yours (or root's and sticky): set TMPDIR to a directory of your own")},
		{is(s3bundle.ErrAccessDenied), exitDenied, text("check the credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, the AWS profile, or the profile's keys")},
		{is(s3bundle.ErrSourceChanged), exitConflict, text("another writer replaced a generation meanwhile; run the same command again")},
		{is(s3bundle.ErrConflict), exitConflict, nil},
		{anyOf(s3bundle.ErrNotExist, fs.ErrNotExist), exitNotFound, nil},
		{as[*vault.SyntaxError](), exitDataErr, nil},
		{anyOf(s3bundle.ErrToken, childenv.ErrNotStartable), exitDataErr, nil},
		{is(s3bundle.ErrNoCredentials), exitConfig, text("export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, give the profile an AWS profile (--aws-profile), or store keys in it (vsync profile add NAME ... --access-key K --secret-key-file FILE --force)")},
		{is(workspace.ErrConfig), exitConfig, nil},
		{as[toml.ParseError](), exitConfig, nil},
	}
}

// cachedBundleHint is the hint under a --cache file that does not open.
func cachedBundleHint(e *bundlecache.CachedBundleError) string {
	if errors.Is(e, vault.ErrWrongPassphrase) {
		return wrongPassphraseHint("; a cache written before a passphrase rotation opens only with the old one")
	}
	return fmt.Sprintf("nothing was started; the cache file is damaged or was tampered with: remove %q, the next start that reaches the bucket writes it again", e.Path)
}

// wrongPassphraseHint is the one hint under a wrong passphrase: check
// where it came from, then what the case adds (then: the stored one, the
// cache's older passphrase), each rule giving its own then.
func wrongPassphraseHint(then string) string {
	return "check VSYNC_PASSPHRASE / VSYNC_PASSPHRASE_FILE" + then
}

// envHint is a hint naming the env an error is about (a *history.EnvError
// or *history.NothingPushedError) at %s, "ENV" when it names none.
func envHint(format string) func(error) string {
	return func(err error) string { return fmt.Sprintf(format, envOf(err)) }
}

// envOf is the env a history error is about, "ENV" when none says.
func envOf(err error) string {
	var ee *history.EnvError
	if errors.As(err, &ee) {
		return ee.Env
	}
	var np *history.NothingPushedError
	if errors.As(err, &np) {
		return np.Env
	}
	return "ENV"
}

// isDamaged matches a stored bundle that is damaged or was tampered with.
func isDamaged(err error) bool {
	return errors.Is(err, vault.ErrIntegrity) || errors.Is(err, vault.ErrUnsafePath) || errors.Is(err, vault.ErrManifest)
}

// both matches the errors that a and b match.
func both(a, b func(error) bool) func(error) bool {
	return func(err error) bool { return a(err) && b(err) }
}

// nothingPushedHint is the hint under an env with no generation: push
// one, except where that does not help (verify: nothing to say;
// rotate-passphrase: nothing to re-key).
func nothingPushedHint(err error) string {
	env := envOf(err)
	switch commandOf(err) {
	case "verify":
		return ""
	case "rotate-passphrase":
		return fmt.Sprintf("with nothing pushed there is nothing to re-key: store a new passphrase with \"vsync passphrase set %s --no-check\"", env)
	}
	return fmt.Sprintf("push a first generation with \"vsync push %s --note ...\"", env)
}

// staleBaseHint is the hint under a push from a folder based on another
// generation than the newest.
func staleBaseHint(e *history.StaleBaseError) string {
	if e.Base < e.Tip {
		return fmt.Sprintf("see what changed with \"vsync diff %s\", then \"vsync pull %s\" (add --force to drop local edits; save them first) and push again", e.Env, e.Env)
	}
	return fmt.Sprintf("the local state %q is not from this vault: remove it and \"vsync pull %s\"", e.Record, e.Env)
}

// notStartableHint is the hint under a bundle vsync run could not start
// from, by the command that refused it (verify and run say nothing more).
func notStartableHint(err error) string {
	switch commandOf(err) {
	case "push":
		return "rename or move the files named, then push again; nothing was pushed"
	case "pull":
		return "nothing was written; pull an earlier generation with --generation N, fix the files, and push"
	}
	return ""
}

// currentHint is the hint under a current.pgp that verify found missing
// or behind the history.
func currentHint(err error) string {
	var ce *history.CurrentError
	errors.As(err, &ce)
	if ce.Missing {
		return fmt.Sprintf("an interrupted first push leaves this; \"vsync pull %s\" rolls it forward", ce.Env)
	}
	return fmt.Sprintf("an interrupted push leaves this; \"vsync pull %s\" or the next push rolls it forward", ce.Env)
}

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

// notRecordedHint names the envs vsync.toml records, and how to create
// the one asked for.
func notRecordedHint(nr *workspace.NotRecordedError) string {
	hint := fmt.Sprintf("create it with \"vsync init %s --profile P\"", nr.Env)
	if len(nr.Recorded) > 0 {
		hint = fmt.Sprintf("vsync.toml has %s; or %s", strings.Join(nr.Recorded, ", "), hint)
	}
	return hint
}

// usageHint points at the help of the command a usage error is about.
func usageHint(err error) string {
	if cmd := commandOf(err); cmd != "" {
		return fmt.Sprintf("see \"vsync %s --help\"", cmd)
	}
	return "see \"vsync --help\""
}

// commandOf is the full name of the command err is an error of
// ("profile add"), "" when not known.
func commandOf(err error) string {
	var ic inCommand
	if errors.As(err, &ic) {
		return ic.cmd
	}
	return ""
}

// exitCode maps an error to its documented exit code: that of the first
// rule matching.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	for _, r := range errorRules() {
		if r.code != 0 && r.match(err) {
			return r.code
		}
	}
	return exitFailure
}

// hintFor returns the hint to print under err: that of the first rule
// matching that has one.
func hintFor(err error) string {
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
