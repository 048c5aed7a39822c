package main

import (
	"errors"
	"fmt"

	"github.com/dustin/go-humanize"
	"github.com/urfave/cli/v2"

	"vsync/internal/workspace"
	"vsync/s3bundle"
	"vsync/vault"
)

// maxBundleFlagName is the flag that sets the maximum bundle size.
const maxBundleFlagName = "max-bundle-size"

// maxBundleFlag is --max-bundle-size, on every command that reads or
// writes a bundle.
func maxBundleFlag() cli.Flag {
	return &cli.StringFlag{
		Name:  maxBundleFlagName,
		Usage: "refuse a bundle larger than `SIZE` (512MiB, 1GiB, 300MB or bytes; default: the profile's max_bundle_size, else 256MiB)",
	}
}

// maxBundleFrom is the value of --max-bundle-size in bytes, 0 when not
// given. A malformed size is a usage error.
func maxBundleFrom(c *cli.Context) (int64, error) {
	if !c.IsSet(maxBundleFlagName) {
		return 0, nil
	}
	n, err := workspace.ParseBundleSize(c.String(maxBundleFlagName))
	if err != nil {
		return 0, usageErrorf("--%s: %v", maxBundleFlagName, err)
	}
	return n, nil
}

// tooLargeHint is the hint under an error about a bundle over the limit.
func tooLargeHint(err error) string {
	limit := vault.DefaultMaxBundleSize
	var ve *vault.SizeError
	var se *s3bundle.SizeError
	switch {
	case errors.As(err, &ve):
		limit = ve.Limit
	case errors.As(err, &se):
		limit = se.Limit
	}
	return fmt.Sprintf("the maximum bundle size is %s; if the bundle is genuinely that large, raise it with --%s or max_bundle_size in the profile",
		humanize.IBytes(uint64(limit)), maxBundleFlagName)
}
