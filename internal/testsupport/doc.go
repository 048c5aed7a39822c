// Package testsupport holds the helpers that the tests of several packages
// share: a real sealed bundle (SealedBundle) and the redaction of canary
// values in failure messages (Redacted). Only _test.go files import it.
// It imports vault and the standard library.
package testsupport
