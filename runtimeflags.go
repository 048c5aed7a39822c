package main

import (
	"context"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"vsync/internal/bundlecache"
	"vsync/internal/history"
	"vsync/internal/runtimevault"
	"vsync/internal/workspace"
)

// runtimeOptions are the flags shared by run, start and env: where the
// variables come from and how they are layered (runtimevault.Options;
// CacheMaxAge is -1 when --cache-max-age is given without --cache, and
// DotenvDir is vsync start's -d), and --max-bundle-size as given ("" when
// not), which prepareChild checks.
type runtimeOptions struct {
	runtimevault.Options
	MaxBundleSize string
}

// runtimeFlags are the cli flags behind runtimeOptions.
func runtimeFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "env", Usage: "use env `ENV` of the project in the working directory (its profile and the local passphrase)"},
		&cli.BoolFlag{Name: "local", Usage: "with --env: read infra/vault/ENV/ itself, no network"},
		&cli.StringSliceFlag{Name: "env-file", Aliases: []string{"e"}, Usage: "read variables from dotenv `FILE` (repeatable; later files win; a missing file is an error)"},
		&cli.StringSliceFlag{Name: "default", Usage: "`KEY=VALUE` used when no other source sets KEY (repeatable)"},
		&cli.StringFlag{Name: "preserve-env", Usage: "let the process environment win over env files and the vault: for all keys (--preserve-env=all) or the listed `KEYS` (comma-separated)"},
		&cli.StringSliceFlag{Name: "file-env", Usage: "also point variable NAME at vault file SRC (`SRC=NAME`, repeatable)"},
		durationFlag("fetch-timeout", nil, 30*time.Second, "give up reading the vault after `DURATION` (seconds, or 10s, 2m; retries with backoff included)"),
		&cli.StringFlag{Name: "cache", Usage: "keep the last good (still encrypted) bundle in `DIR`, and start from it when the bucket does not answer"},
		durationFlag("cache-max-age", nil, bundlecache.DefaultMaxAge, "with --cache: start from a cached bundle only if fetched at most `DURATION` ago (seconds, or 12h, 168h)"),
		maxBundleFlag(),
	}
}

// runtimeOptionsFrom copies the flags of runtimeFlags.
func runtimeOptionsFrom(c *cli.Context) runtimeOptions {
	o := runtimeOptions{Options: runtimevault.Options{
		Env:          c.String("env"),
		Local:        c.Bool("local"),
		EnvFiles:     c.StringSlice("env-file"),
		Defaults:     c.StringSlice("default"),
		FileEnv:      c.StringSlice("file-env"),
		FetchTimeout: durationOf(c, "fetch-timeout"),
		Cache:        c.String("cache"),
		CacheMaxAge:  durationOf(c, "cache-max-age"),
	}, MaxBundleSize: c.String(maxBundleFlagName)}
	if c.IsSet("cache-max-age") && o.Cache == "" {
		o.CacheMaxAge = -1 // checkCacheFlags refuses it
	}
	if c.IsSet("preserve-env") {
		switch v := c.String("preserve-env"); v {
		case "", "all", "true":
			o.PreserveAll = true
		default:
			for _, k := range strings.Split(v, ",") {
				if k = strings.TrimSpace(k); k != "" {
					o.Preserve = append(o.Preserve, k)
				}
			}
		}
	}
	return o
}

// checkCacheFlags refuses a --cache-max-age that is not positive, or one
// given without --cache (runtimeOptionsFrom sets it to -1 then).
func checkCacheFlags(o runtimeOptions) error {
	if o.Cache == "" && o.CacheMaxAge < 0 {
		return usageErrorf("--cache-max-age needs --cache DIR")
	}
	if o.Cache != "" && o.CacheMaxAge <= 0 {
		return usageErrorf("--cache-max-age %s: want a positive duration such as 24h", o.CacheMaxAge)
	}
	return nil
}

// prepareChild checks the flags of o, then prepares the child of run or
// start (write: its private files written) or the listing of env
// (runtimevault.Prepare) with what sys gives of the outside world.
func prepareChild(ctx context.Context, sys *world, o runtimeOptions, write bool) (*runtimevault.Prepared, error) {
	if err := checkCacheFlags(o); err != nil {
		return nil, err
	}
	vo := o.Options
	if o.MaxBundleSize != "" {
		var err error
		if vo.MaxBundle, err = workspace.ParseBundleSize(o.MaxBundleSize); err != nil {
			return nil, usageErrorf("--%s: %v", maxBundleFlagName, err)
		}
	}
	vo.Getenv, vo.Getwd, vo.Environ, vo.Messages = sys.Getenv, sys.Getwd, sys.Environ(), sys.Stderr
	vo.Projects = projectEnvs{sys}
	return runtimevault.Prepare(ctx, vo, write)
}

// projectEnvs opens the env of a project for runtimevault as the
// operator's commands open one (openEnvVault), with its passphrase.
type projectEnvs struct{ sys *world }

func (p projectEnvs) OpenProjectEnv(ctx context.Context, dir, env string) (*history.Env, error) {
	v, err := openEnvVault(ctx, p.sys, dir, env, true)
	if err != nil {
		return nil, err
	}
	return &v.Env, nil
}
