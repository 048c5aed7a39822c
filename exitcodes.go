package main

import (
	"fmt"
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
// text `vsync --help` prints for it.
type exitCodeDoc struct {
	codes   string
	meaning string
}

// exitCodeDocs is the one list of exit codes: `vsync --help` prints it and
// TestExitCodesMatchReadme holds README.md's table to the same rows.
func exitCodeDocs() []exitCodeDoc {
	return []exitCodeDoc{
		{"0", "success"},
		{"1", "any other failure"},
		{"64", "bad flags or arguments, empty command"},
		{"65", "malformed input: dotenv (file and line), Procfile, runtime token; a bundle vsync run could not start from (push, pull, verify and run refuse it)"},
		{"66", "env, generation or file not found; nothing pushed yet"},
		{"67", "wrong passphrase"},
		{"68", "bundle tampered, truncated, failed a manifest or chain check, or over the maximum bundle size (--max-bundle-size, default 256MiB)"},
		{"69", "bucket or endpoint unreachable, bucket or vault directory missing; with --cache, no cached bundle young enough"},
		{"70", "a bug in vsync"},
		{"71", "credentials refused (403)"},
		{"72", "push conflict: lost a race, or based on an older generation than the remote"},
		{"73", "pull (or use) would overwrite local files that were never pushed"},
		{"74", "push found nothing changed; nothing pushed"},
		{"76", "run: the command's arguments and environment are too large (E2BIG)"},
		{"78", "malformed vsync.toml or profiles.toml, missing profile, project, passphrase or AWS credentials; an unsafe --cache directory"},
		{"126, 127", "run: the command cannot be executed / was not found; start: the same for a process"},
		{"other", "vsync run exits with its child's code (128+N after signal N)"},
	}
}

// exitCodesHelp renders exitCodeDocs for `vsync --help`, wrapped at 80
// columns under a 12-column code column.
func exitCodesHelp() string {
	var b strings.Builder
	b.WriteString("Exit codes:")
	for _, d := range exitCodeDocs() {
		fmt.Fprintf(&b, "\n   %-9s", d.codes)
		col := 12
		for i, w := range strings.Fields(d.meaning) {
			if i > 0 && col+1+len(w) > 80 {
				b.WriteString("\n" + strings.Repeat(" ", 12))
				col = 12
			} else if i > 0 {
				b.WriteByte(' ')
				col++
			}
			b.WriteString(w)
			col += len(w)
		}
	}
	return b.String()
}
