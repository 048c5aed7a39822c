//go:build !linux

package vault

import (
	"errors"
	"os"
)

// openAnon: anonymous files (O_TMPFILE) are Linux's; elsewhere a
// streamed file is left to be written after the bundle is checked.
func openAnon(string) (*os.File, error) { return nil, errNoAnon }

// linkAnon is never called where openAnon always fails.
func linkAnon(*os.File, string) error { return errors.ErrUnsupported }
