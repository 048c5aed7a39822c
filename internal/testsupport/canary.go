package testsupport

import "regexp"

// Tests plant canary values, each starting with "CANARY", and check for
// them by presence only: no failure message may print one.

// canaryRe matches the canary values the tests plant (CANARY followed by
// letters, digits, '_' or '-').
var canaryRe = regexp.MustCompile(`CANARY[\w-]*`)

// Redacted is s with every canary value replaced by <canary>, for failure
// messages that print a command's output, an error or an environment.
func Redacted[S ~string | ~[]byte](s S) string {
	return canaryRe.ReplaceAllString(string(s), "<canary>")
}
