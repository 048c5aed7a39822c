package main

import (
	"fmt"
	"slices"
	"strings"
)

// Exit codes of vsync's own failures. They sit in 64–78 (the BSD sysexits
// range) so that a wrapper's failure is not mistaken for a child's usual
// codes (0–3) or a shell's (126, 127, 128+N). `vsync run` otherwise exits
// with its child's code. exitCodeDocs says what each means; errorRules
// (errors.go) decides which one an error gets.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 64
	exitDataErr     = 65
	exitNotFound    = 66
	exitPassphrase  = 67
	exitTampered    = 68
	exitUnreachable = 69
	exitInternal    = 70
	exitDenied      = 71
	exitConflict    = 72
	exitLocalEdits  = 73
	exitUnchanged   = 74
	exitTooBig      = 76
	exitConfig      = 78
	exitNotExec     = 126
	exitNoCommand   = 127
)

// exitCodeDoc is one documented exit code: codes is how the README's
// "Exit codes" table names the row ("126, 127" is one row), meaning the
// one text of it, printed by `vsync --help` and by the commands' help
// (exitCodesHelpFor). Plain text: README.md's row may put `backticks`
// around names, and TestExitCodesMatchReadme compares the row without them.
type exitCodeDoc struct {
	codes   string
	meaning string
}

// exitCodeDocs is the one list of exit codes: `vsync --help` prints it,
// each command's help prints the rows it can exit with, and
// TestExitCodesMatchReadme holds README.md's table to the same rows.
func exitCodeDocs() []exitCodeDoc {
	return []exitCodeDoc{
		{"0", "success; vsync status: the running generation is fresh or rotated, or unknown without --strict"},
		{"1", "any other failure; vsync status: the running generation is stale (a restart would read a newer one)"},
		{"64", "bad flags or arguments (an unknown process name, format, count or port), empty command"},
		{"65", "malformed input: a dotenv syntax error (file and line), a Procfile (every bad line, with its number; no process defined), a runtime token; a push over the maximum bundle size; a bundle vsync run could not start from (two files for one NAME_FILE, a reserved name, a file where a directory is needed, a path too long, a variable over 128 KiB), refused by push, pull, verify and run alike"},
		{"66", "env, generation or file (Procfile, -e file, --file-env source) not found; nothing pushed yet"},
		{"67", "wrong passphrase"},
		{"68", "bundle (or --cache file: bundle, or its record re-dated or replayed) tampered with or truncated, unsafe path in its tar (.., absolute, link), manifest or history chain wrong, over the maximum bundle size (--max-bundle-size, default 256MiB, or a length field inside it)"},
		{"69", "bucket or endpoint unreachable (after bounded retries or --fetch-timeout), bucket or vault directory missing; with --cache, no cached bundle younger than --cache-max-age; vsync status --strict: the status is unknown"},
		{"70", "a bug in vsync: one error line; VSYNC_DEBUG=stack adds the stack trace for a report"},
		{"71", "credentials refused (403)"},
		{"72", "push conflict: someone else pushed that generation meanwhile, or the folder is based on an older generation than the remote (pull first); a rotation whose history kept changing"},
		{"73", "pull (or use) would overwrite local edits that were never pushed (--force, or see them with vsync diff)"},
		{"74", "push found nothing changed since its base generation; nothing pushed"},
		{"76", "vsync run: the command's arguments and environment are too large for execve (E2BIG); nothing was started"},
		{"78", "malformed vsync.toml or profiles.toml, missing project, profile or passphrase (VSYNC_CONFIG without VSYNC_PASSPHRASE); no AWS credentials for an S3 profile or token (none in the environment, the shared files, the profile or an instance role); a --cache directory that is not yours or that others may write to"},
		{"126, 127", "vsync run: the command cannot be executed / was not found; vsync start: the same for a process, the first to fail"},
		{"other", "vsync run exits with its child's code, 128+N after signal N; vsync start with that of the first process to fail, or 128+N when vsync was stopped by signal N (130 for Ctrl-C, 143 for SIGTERM, 141 for a closed output); any command stopped by SIGINT or SIGTERM before its work was done (a fetch, a push, before vsync run's child started) exits 128+N too"},
	}
}

// exitCodesHelp renders exitCodeDocs for `vsync --help`.
func exitCodesHelp() string {
	return renderExitCodes(exitCodeDocs())
}

// exitCodesHelpFor renders the rows of exitCodeDocs named by codes (as
// their codes column names them: "65", "126, 127", "other"), in the
// table's order, for the help of a command that exits with only those.
// A code the table lacks is a bug of the caller: it panics (every help
// text is built by newApp, which every test runs).
func exitCodesHelpFor(codes ...string) string {
	var rows []exitCodeDoc
	for _, d := range exitCodeDocs() {
		if slices.Contains(codes, d.codes) {
			rows = append(rows, d)
		}
	}
	if len(rows) != len(codes) {
		panic(fmt.Sprintf("exitCodesHelpFor(%q): a code not in exitCodeDocs", codes))
	}
	return renderExitCodes(rows)
}

// renderExitCodes renders rows under "Exit codes:", a 12-column code
// column and the meaning wrapped at 77 columns: the help template indents
// a description by 3, so the screen shows 80.
//
// newApp renders them for every command's help whether or not help is
// shown, so this is on the start-up path of every command: it writes to
// one builder, without fmt or a slice of words (newApp in a warm loop:
// 66-89 -> 45-48 µs, 468 -> 358 allocations).
func renderExitCodes(rows []exitCodeDoc) string {
	const indent = "\n            " // to the meaning's column, 12
	var b strings.Builder
	b.WriteString("Exit codes:")
	for _, d := range rows {
		b.WriteString("\n   ")
		b.WriteString(d.codes)
		for n := len(d.codes); n < 9; n++ {
			b.WriteByte(' ')
		}
		col, first := 12, true
		for w := range strings.FieldsSeq(d.meaning) {
			switch {
			case first:
			case col+1+len(w) > 77:
				b.WriteString(indent)
				col = 12
			default:
				b.WriteByte(' ')
				col++
			}
			first = false
			b.WriteString(w)
			col += len(w)
		}
	}
	return b.String()
}
