package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"vsync/s3bundle"
	"vsync/vault"
)

func TestPermuteArgs(t *testing.T) {
	app := newApp(newSysEnv(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}))
	for _, tc := range []struct{ in, want string }{
		{"vsync push prod --note x", "vsync push --note x prod"},
		{"vsync push prod --note=x", "vsync push --note=x prod"},
		{"vsync pull prod --force --generation 3", "vsync pull --force --generation 3 prod"},
		{"vsync diff prod 1 2 --reveal", "vsync diff --reveal prod 1 2"},
		{"vsync profile add acme --bucket b --path-style --region r", "vsync profile add --bucket b --path-style --region r acme"},
		{"vsync init prod --profile p -- -x", "vsync init --profile p prod -- -x"},
		{"vsync run -- env --note x", "vsync run -- env --note x"},
		{"vsync --help", "vsync --help"},
		{"vsync bogus --x y", "vsync bogus --x y"},
	} {
		got := strings.Join(permuteArgs(app, strings.Fields(tc.in)), " ")
		if got != tc.want {
			t.Errorf("permuteArgs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestExitCode pins the mapping of every documented error kind.
func TestExitCode(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("context: %w", err) }
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, exitOK},
		{errors.New("x"), exitFailure},
		{usageErrorf("bad"), exitUsage},
		{wrap(&vault.SyntaxError{File: "f", Line: 3, Reason: "r"}), exitDataErr},
		{wrap(s3bundle.ErrNotExist), exitNotFound},
		{wrap(vault.ErrWrongPassphrase), exitPassphrase},
		{wrap(vault.ErrIntegrity), exitTampered},
		{wrap(vault.ErrUnsafePath), exitTampered},
		{wrap(vault.ErrManifest), exitTampered},
		{wrap(errChain), exitTampered},
		{wrap(s3bundle.ErrUnreachable), exitUnreachable},
		{wrap(s3bundle.ErrNoBucket), exitUnreachable},
		{wrap(s3bundle.ErrAccessDenied), exitDenied},
		{wrap(s3bundle.ErrConflict), exitConflict},
		{configErrorf("bad toml"), exitConfig},
		{withCode(wrap(s3bundle.ErrConflict), exitUnchanged, ""), exitUnchanged},
	} {
		if got := exitCode(tc.err); got != tc.want {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

// TestRunPrintsOneErrorLine: an error is one "vsync: error:" line and at
// most one hint, on stderr only.
func TestRunPrintsOneErrorLine(t *testing.T) {
	var out, errb bytes.Buffer
	sys := newSysEnv(strings.NewReader(""), &out, &errb)
	sys.Getwd = func() (string, error) { return t.TempDir(), nil }
	sys.Getenv = func(k string) string {
		if k == "XDG_CONFIG_HOME" {
			return t.TempDir()
		}
		return ""
	}
	code := run(context.Background(), []string{"vsync", "push", "prod", "--note", "x"}, sys)
	if code != exitConfig {
		t.Errorf("exit %d, want %d", code, exitConfig)
	}
	lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "vsync: error: no vsync.toml found") || !strings.HasPrefix(lines[1], "vsync: hint: ") {
		t.Errorf("stderr:\n%s", errb.String())
	}
	if out.Len() != 0 {
		t.Errorf("stdout: %q", out.String())
	}
}
