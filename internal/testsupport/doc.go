// Package testsupport holds the helpers that the tests of several packages
// share: a real sealed bundle (SealedBundle), the redaction of canary
// values in failure messages (Redacted), a process's output read line
// by line with a deadline (Lines, NextLine) and a directory's entries
// (Names). Only _test.go files import
// it. It imports vault and the standard library.
package testsupport
