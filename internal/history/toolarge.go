package history

import (
	"errors"

	"vsync/s3bundle"
	"vsync/vault"
)

// IsTooLarge reports whether err is a bundle (vault.ErrTooLarge) or an
// object (s3bundle.ErrTooLarge) over the maximum bundle size.
func IsTooLarge(err error) bool {
	return errors.Is(err, vault.ErrTooLarge) || errors.Is(err, s3bundle.ErrTooLarge)
}
