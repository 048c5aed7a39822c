package main

import (
	"fmt"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"vsync/internal/testsupport"
)

// Tests plant canary values, each starting with "CANARY", and check for
// them by presence only: no failure message may print one. redacted and
// redactT keep the text around a canary readable without the canary.

// redacted is testsupport.Redacted: s with every canary value replaced by
// <canary>, for failure messages.
func redacted[S ~string | ~[]byte](s S) string { return testsupport.Redacted(s) }

// redactT is the testscript.T of TestScripts: it logs and fails as t does,
// with every canary redacted. testscript logs the output of every exec in
// the script's log, so a script that leaks a canary would otherwise print
// it on failure whatever command catches the leak.
type redactT struct{ t *testing.T }

func (r redactT) Skip(args ...any)  { r.t.Helper(); r.t.Skip(redacted(fmt.Sprint(args...))) }
func (r redactT) Fatal(args ...any) { r.t.Helper(); r.t.Fatal(redacted(fmt.Sprint(args...))) }
func (r redactT) Log(args ...any)   { r.t.Helper(); r.t.Log(redacted(fmt.Sprint(args...))) }
func (r redactT) Parallel()         { r.t.Parallel() }
func (r redactT) FailNow()          { r.t.FailNow() }
func (r redactT) Verbose() bool     { return testing.Verbose() }
func (r redactT) Run(name string, f func(testscript.T)) {
	r.t.Run(name, func(t *testing.T) { f(redactT{t}) })
}
