//go:build !linux

package anonfile

import (
	"errors"
	"os"
)

// Anonymous files (O_TMPFILE) are Linux's: elsewhere Open and OpenAt
// always fail with ErrUnsupported, and Link and LinkAt are never called.

func Open(string) (*os.File, error)        { return nil, ErrUnsupported }
func OpenAt(int, string) (*os.File, error) { return nil, ErrUnsupported }
func Link(*os.File, string) error          { return errors.ErrUnsupported }
func LinkAt(*os.File, int, string) error   { return errors.ErrUnsupported }
