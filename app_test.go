package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"vsync/internal/bundlecache"
	"vsync/internal/childenv"
	"vsync/internal/history"
	"vsync/internal/runtimevault"
	"vsync/internal/supervise"
	"vsync/internal/workspace"
	"vsync/launcher"
	"vsync/procfile"
	"vsync/s3bundle"
	"vsync/vault"
)

func TestArrangeArgs(t *testing.T) {
	app := newApp(newWorld(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}))
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
		{"vsync push prod --watch --note x", "vsync push --watch=30s --note x prod"},
		{"vsync start web --preserve-env -t 10", "vsync start --preserve-env=all -t 10 web"},
		// run: vsync's flags end at the command, which is passed on untouched
		{"vsync run python manage.py migrate --noinput", "vsync run -- python manage.py migrate --noinput"},
		{"vsync run --env prod sh -c x", "vsync run --env prod -- sh -c x"},
		{"vsync run -e a.env --watch --preserve-env x", "vsync run -e a.env --watch=30s --preserve-env=all -- x"},
		{"vsync run --watch tool --watch --preserve-env", "vsync run --watch=30s -- tool --watch --preserve-env"},
		{"vsync run --kill-timeout 10 -- tool --env x", "vsync run --kill-timeout 10 -- tool --env x"},
		{"vsync run --local help", "vsync run --local -- help"},
		{"vsync run - x", "vsync run -- - x"},
		{"vsync run --env", "vsync run --env"},
	} {
		got := strings.Join(arrangeArgs(app, strings.Fields(tc.in)), " ")
		if got != tc.want {
			t.Errorf("arrangeArgs(%q) = %q, want %q", tc.in, got, tc.want)
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
		{wrap(history.ErrChain), exitTampered},
		{wrap(s3bundle.ErrUnreachable), exitUnreachable},
		{wrap(s3bundle.ErrNoBucket), exitUnreachable},
		{wrap(s3bundle.ErrAccessDenied), exitDenied},
		{wrap(s3bundle.ErrConflict), exitConflict},
		{wrap(workspace.ErrConfig), exitConfig},
		{wrap(childenv.ErrNotStartable), exitDataErr},
		{wrap(bundlecache.ErrUnsafeDir), exitConfig},
		{wrap(bundlecache.ErrMAC), exitTampered},
		{wrap(bundlecache.ErrNoCache), exitNotFound},
		{wrap(childenv.ErrBadDefault), exitUsage},
		{wrap(childenv.ErrBadFileEnv), exitUsage},
		{wrap(childenv.ErrNoVaultFile), exitNotFound},
		{wrap(childenv.ArgsTooLarge(launcher.ErrArgsTooLarge, []string{"sh"}, nil)), exitTooBig},
		{&supervise.CommandError{Process: "web.1", Err: procfile.ErrEmptyCommand}, exitDataErr},
		{wrap(supervise.ErrNothingToStart), exitUsage},
		{&supervise.NotDirError{Root: "r"}, exitUsage},
		{wrap(runtimevault.ErrNothingToCheck), exitUsage},
		{wrap(procfile.ErrBadPort), exitUsage},
		{wrap(fs.ErrNotExist), exitNotFound},
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
	sys := newWorld(strings.NewReader(""), &out, &errb)
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

// FuzzArrangeArgs: for `vsync run`, whatever follows vsync's flags reaches
// the command untouched: the arguments after the first "--" of the result
// are a suffix of the input, and nothing before it is a non-flag argument
// other than the value of a flag.
func FuzzArrangeArgs(f *testing.F) {
	for _, s := range []string{"python manage.py migrate --noinput", "--env prod sh -c x", "--watch -- x --watch", "-e", "--env --env x", "- x", "--kill-timeout=1 h"} {
		f.Add(s)
	}
	app := newApp(newWorld(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}))
	f.Fuzz(func(t *testing.T, s string) {
		in := append([]string{"vsync", "run"}, strings.Fields(s)...)
		out := arrangeArgs(app, in)
		if len(out) < 2 || out[0] != "vsync" || out[1] != "run" {
			t.Fatalf("arrangeArgs(%q) = %q", in, out)
		}
		for i, a := range out {
			if a != "--" {
				continue
			}
			cmd := out[i+1:]
			if len(cmd) > len(in) || !slices.Equal(cmd, in[len(in)-len(cmd):]) {
				t.Fatalf("arrangeArgs(%q) = %q: the command is not the input's end", in, out)
			}
			break
		}
	})
}
