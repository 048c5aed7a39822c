package workspace

import (
	"fmt"
	"math"

	"github.com/dustin/go-humanize"

	"vsync/vault"
)

// ParseBundleSize parses a maximum bundle size: a number of bytes, or one
// with a unit (KiB, MiB, GiB, or KB, MB, GB as powers of 1000). It must be
// at least 1 KiB: a smaller limit refuses every bundle.
func ParseBundleSize(s string) (int64, error) {
	n, err := humanize.ParseBytes(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a size (try 512MiB)", s)
	}
	if n < 1024 || n > math.MaxInt32 {
		return 0, fmt.Errorf("%q is out of range (1KiB to 2GiB)", s)
	}
	return int64(n), nil
}

// BundleLimit is the maximum bundle size for the profile's vaults: flag
// (from --max-bundle-size) when not 0, else the profile's max_bundle_size
// when set (checked when profiles.toml was loaded), else the default.
func (p Profile) BundleLimit(flag int64) int64 {
	if flag > 0 {
		return flag
	}
	if p.MaxBundleSize != "" {
		if n, err := ParseBundleSize(p.MaxBundleSize); err == nil {
			return n
		}
	}
	return vault.DefaultMaxBundleSize
}
