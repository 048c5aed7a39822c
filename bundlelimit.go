package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"

	"github.com/dustin/go-humanize"
	"github.com/urfave/cli/v2"

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
	n, err := parseBundleSize(c.String(maxBundleFlagName))
	if err != nil {
		return 0, usageErrorf("--%s: %v", maxBundleFlagName, err)
	}
	return n, nil
}

// parseBundleSize parses a maximum bundle size: a number of bytes, or one
// with a unit (KiB, MiB, GiB, or KB, MB, GB as powers of 1000). It must be
// at least 1 KiB: a smaller limit refuses every bundle.
func parseBundleSize(s string) (int64, error) {
	n, err := humanize.ParseBytes(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a size (try 512MiB)", s)
	}
	if n < 1024 || n > math.MaxInt32 {
		return 0, fmt.Errorf("%q is out of range (1KiB to 2GiB)", s)
	}
	return int64(n), nil
}

// bundleLimit is the maximum bundle size for a vault: flag (from
// --max-bundle-size) when not 0, else the profile's max_bundle_size when
// set (checked when profiles.toml was loaded), else the default.
func bundleLimit(flag int64, p profile) int64 {
	if flag > 0 {
		return flag
	}
	if p.MaxBundleSize != "" {
		if n, err := parseBundleSize(p.MaxBundleSize); err == nil {
			return n
		}
	}
	return vault.DefaultMaxBundleSize
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

// isTooLarge reports whether err is a bundle (or object) over the limit.
func isTooLarge(err error) bool {
	return errors.Is(err, vault.ErrTooLarge) || errors.Is(err, s3bundle.ErrTooLarge)
}

// boundMemoryFrom is the size of the memory a command is about to need
// from which boundMemory acts: below it the collector's usual pacing costs
// a few megabytes at most.
const boundMemoryFrom = 16 << 20

// boundMemory tells the Go runtime that this process is about to need
// extra more bytes (a bundle being read or written, and its files) than it
// holds live now, as a soft memory limit (debug.SetMemoryLimit) that is
// only ever raised: the garbage collector then runs as often as it takes
// to stay there, instead of letting garbage (the encryption's buffer for
// every 64 KiB written, a previous generation's payload) pile up to twice
// the live heap. It acts only from boundMemoryFrom on, and then collects
// once to know what is live. Above the limit nothing fails; the collector
// only works harder. An explicit GOMEMLIMIT is left alone.
func boundMemory(extra int64) {
	if extra < boundMemoryFrom || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	runtime.GC()
	want := goMemoryInUse() + extra
	if cur := debug.SetMemoryLimit(-1); cur < math.MaxInt64 && cur >= want {
		return
	}
	debug.SetMemoryLimit(want)
}

// giveBackMemory returns to the system the memory of what a command held
// and no longer does (push: the files, once encrypted), when that was at
// least boundMemoryFrom, before the command's next big step (the upload)
// allocates anew.
func giveBackMemory(released int64) {
	if released >= boundMemoryFrom {
		debug.FreeOSMemory()
	}
}

// goMemoryInUse is the memory the Go runtime holds and counts against its
// memory limit, less the free heap it could give back.
func goMemoryInUse() int64 {
	s := []metrics.Sample{
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
	}
	metrics.Read(s)
	return int64(s[0].Value.Uint64() - s[1].Value.Uint64() - s[2].Value.Uint64())
}
