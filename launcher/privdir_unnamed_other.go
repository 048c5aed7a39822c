//go:build unix && !linux

package launcher

import (
	"errors"
	"os"
)

// openUnnamedAt: anonymous files (O_TMPFILE) are Linux's; elsewhere the
// caller writes the file whole once it is trusted.
func openUnnamedAt(int) (*os.File, error) { return nil, ErrNoUnnamed }

// linkUnnamedAt is never called where openUnnamedAt always fails.
func linkUnnamedAt(*os.File, int, string) error { return errors.ErrUnsupported }
