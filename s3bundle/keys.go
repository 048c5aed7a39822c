package s3bundle

import (
	"errors"
	"fmt"
	"strings"
)

// ErrBadKey is returned for a key no backend accepts: empty, absolute, with
// an empty, "." or ".." segment, a backslash or a NUL byte. Both backends
// apply the same rule so that a key valid on one is valid on the other.
var ErrBadKey = errors.New("invalid object key")

// checkKey validates a key as documented on ErrBadKey. The key is quoted in
// the error: keys are paths, never secrets.
func checkKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty", ErrBadKey)
	}
	if strings.HasPrefix(key, "/") {
		return fmt.Errorf("%w %q: absolute", ErrBadKey, key)
	}
	if strings.ContainsAny(key, "\\\x00") {
		return fmt.Errorf("%w %q: backslash or NUL", ErrBadKey, key)
	}
	for _, seg := range strings.Split(key, "/") {
		switch seg {
		case "":
			return fmt.Errorf("%w %q: empty path segment", ErrBadKey, key)
		case ".", "..":
			return fmt.Errorf("%w %q: %q segment", ErrBadKey, key, seg)
		}
	}
	return nil
}
