package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"vsync/internal/bundlecache"
	"vsync/internal/childenv"
	"vsync/internal/history"
	"vsync/internal/workspace"
	"vsync/s3bundle"
	"vsync/vault"
)

// runtimeOptions are the flags shared by run, env and status: where the
// variables come from and how they are layered.
type runtimeOptions struct {
	Env          string   // --env: an env of the project in the working directory
	Local        bool     // --local: read infra/vault/ENV/ itself, no network
	EnvFiles     []string // -e, in order
	Defaults     []string // --default K=V
	PreserveAll  bool     // --preserve-env with no list
	Preserve     []string // --preserve-env=K,...
	FileEnv      []string // --file-env SRC=NAME
	FetchTimeout time.Duration
	Cache        string        // --cache DIR: keep the last good bundle, start from it offline
	CacheMaxAge  time.Duration // --cache-max-age; -1 when given without --cache
	MaxBundle    string        // --max-bundle-size as given, "" when not
	// DotenvDir is where the dotenv-only mode reads .env when no -e is
	// given; empty: the working directory (vsync start -d sets it).
	DotenvDir string
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
	o := runtimeOptions{
		Env:          c.String("env"),
		Local:        c.Bool("local"),
		EnvFiles:     c.StringSlice("env-file"),
		Defaults:     c.StringSlice("default"),
		FileEnv:      c.StringSlice("file-env"),
		FetchTimeout: durationOf(c, "fetch-timeout"),
		Cache:        c.String("cache"),
		CacheMaxAge:  durationOf(c, "cache-max-age"),
		MaxBundle:    c.String(maxBundleFlagName),
	}
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

// loadedVault is a vault read and verified for a runtime command.
type loadedVault struct {
	childenv.Vault // env, generation, the dotenv and the private files
	Store          *s3bundle.Store
	Source         string // "token", "profile" or "local", for messages
	// Key is the vault's identity (workspace.VaultLocation: location, endpoint, prefix,
	// env), by which `vsync status` beside the app finds this vsync.
	Key string
	// Cache is the --cache of the vault (nil without): the watch's poller
	// keeps each generation it accepts there and confirms the cached one
	// when a poll finds it unchanged.
	Cache *bundlecache.Offline
	// FromCache: the bucket did not answer and this is the cached bundle.
	FromCache bool
	// ETag is current.pgp's as fetched ("" from the cache), and pass the
	// passphrase that opened it: what --watch polls with.
	ETag string
	pass []byte
}

// loadVault finds and reads the vault by the discovery order of SPEC.md:
// a runtime token (VSYNC_CONFIG or VSYNC_CONFIG_FILE) with VSYNC_PASSPHRASE
// or VSYNC_PASSPHRASE_FILE; else --env in a project; else none (nil, nil):
// the dotenv-only mode. At runtime with a token it makes exactly one GET.
func loadVault(ctx context.Context, sys *sysEnv, o runtimeOptions) (*loadedVault, error) {
	if err := checkCacheFlags(o); err != nil {
		return nil, err
	}
	var maxBundle int64
	if o.MaxBundle != "" {
		var err error
		if maxBundle, err = workspace.ParseBundleSize(o.MaxBundle); err != nil {
			return nil, usageErrorf("--%s: %v", maxBundleFlagName, err)
		}
	}
	tok, err := tokenFromEnv(sys)
	if err != nil {
		return nil, err
	}
	if tok != nil && o.Env != "" && o.Env != tok.Env {
		return nil, usageErrorf("--env %q does not match the runtime token's env %q", o.Env, tok.Env)
	}
	if tok != nil {
		pass, err := home(sys).PassphraseFromEnv()
		if err != nil {
			return nil, err
		}
		if pass == nil {
			return nil, withCode(configErrorf("VSYNC_CONFIG is set but VSYNC_PASSPHRASE is not"), exitConfig,
				"set VSYNC_PASSPHRASE or VSYNC_PASSPHRASE_FILE to the env's passphrase")
		}
		st, err := tokenStore(ctx, *tok, o.FetchTimeout)
		if err != nil {
			return nil, err
		}
		st.MaxSize = workspace.Profile{}.BundleLimit(maxBundle)
		key := tokenVaultLocation(*tok)
		lv, err := fetchLoaded(ctx, st, pass, "token", o.FetchTimeout, cacheFor(o, key, tok.Env, pass, sys.Stderr))
		if err != nil {
			return nil, tokenCredentialsHint(err, *tok)
		}
		lv.Key = key
		return lv, nil
	}
	if o.Env == "" {
		if o.Local {
			return nil, usageErrorf("--local needs --env ENV")
		}
		return nil, nil
	}
	dir, err := sys.Getwd()
	if err != nil {
		return nil, err
	}
	if o.Local {
		return loadLocal(dir, o.Env)
	}
	v, err := openEnvVault(ctx, sys, dir, o.Env, true)
	if err != nil {
		return nil, err
	}
	v.Store.MaxSize = v.Profile.BundleLimit(maxBundle)
	lv, err := fetchLoaded(ctx, v.Store, v.Passphrase, "profile", o.FetchTimeout, cacheFor(o, v.Location, o.Env, v.Passphrase, sys.Stderr))
	if err != nil {
		return nil, err
	}
	lv.Key = v.Location
	return lv, nil
}

// tokenVaultLocation is the workspace.VaultLocation of the vault a runtime token points at:
// the same as that of a profile for the same bucket, endpoint and prefix.
func tokenVaultLocation(t s3bundle.Token) string {
	return workspace.VaultLocation(workspace.Profile{Bucket: t.Bucket, Endpoint: t.Endpoint}, t.Prefix, t.Env)
}

// tokenFromEnv parses VSYNC_CONFIG, or the file VSYNC_CONFIG_FILE names;
// nil when neither is set.
func tokenFromEnv(sys *sysEnv) (*s3bundle.Token, error) {
	raw, from := sys.Getenv("VSYNC_CONFIG"), "VSYNC_CONFIG"
	if raw == "" {
		f := sys.Getenv("VSYNC_CONFIG_FILE")
		if f == "" {
			return nil, nil
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, withCode(fmt.Errorf("VSYNC_CONFIG_FILE: %w", err), exitNotFound, "")
		}
		raw, from = string(data), "VSYNC_CONFIG_FILE"
	}
	t, err := s3bundle.ParseToken(raw)
	if err == nil && workspace.CheckEnvName(t.Env) != nil {
		// The env names the cache file and the private directory: a
		// hand-made token with "../x" must not steer them. Not quoted:
		// the token's fields are the operator's business, not the log's.
		err = fmt.Errorf("%w: the token's env is not a valid env name", s3bundle.ErrToken)
	}
	if err != nil {
		return nil, withCode(fmt.Errorf("%s: %w", from, err), exitDataErr,
			"mint a token with \"vsync runtime-token --env ENV\" and pass it whole")
	}
	return &t, nil
}

// tokenCredentialsHint gives ErrNoCredentials from a token's store the
// hint that applies at runtime: the token holds no keys (there is no
// profile or --aws-profile to give one), so either the environment gives
// them or a token is minted with them.
func tokenCredentialsHint(err error, t s3bundle.Token) error {
	if !errors.Is(err, s3bundle.ErrNoCredentials) || t.AccessKey != "" {
		return err
	}
	return withHint(err, fmt.Sprintf("the runtime token holds no keys: export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY where it runs, or mint one with a read-only key in it (vsync runtime-token --env %s --access-key K --secret-key-file FILE)", t.Env))
}

// tokenStore builds the Store a token points at. Without a key in the token
// the standard AWS credential chain is used.
func tokenStore(ctx context.Context, t s3bundle.Token, timeout time.Duration) (*s3bundle.Store, error) {
	be, err := s3bundle.NewS3(ctx, s3bundle.S3Config{
		Bucket:       t.Bucket,
		Region:       t.Region,
		Endpoint:     t.Endpoint,
		PathStyle:    t.PathStyle,
		AccessKey:    t.AccessKey,
		SecretKey:    t.SecretKey,
		SessionToken: t.SessionToken,
		Timeout:      timeout,
	})
	if err != nil {
		return nil, err
	}
	return &s3bundle.Store{Backend: be, Prefix: t.Prefix, Env: t.Env}, nil
}

// fetchLoaded reads current.pgp once, decrypts and verifies it, and splits
// it into the dotenv and the private files. With a cache (non-nil) it
// keeps the bundle there, and when the bucket does not answer it starts
// from the cache instead (bundlecache.Offline.Start).
func fetchLoaded(ctx context.Context, st *s3bundle.Store, pass []byte, source string, timeout time.Duration, cache *bundlecache.Offline) (*loadedVault, error) {
	if cache != nil {
		if err := bundlecache.CheckDir(cache.Dir()); err != nil {
			return nil, err
		}
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	b, raw, info, err := history.FetchCurrent(ctx, st, pass, cache != nil)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = withCode(err, exitUnreachable, "the vault did not answer within --fetch-timeout")
		}
		if cache == nil || !bundlecache.BucketDidNotAnswer(err) {
			return nil, err
		}
		b, err := cache.Start(st, pass, err, time.Now())
		if err != nil {
			return nil, err
		}
		lv, err := splitBundle(st.Env, b.Manifest.Generation, b.Files)
		if err != nil {
			return nil, err
		}
		lv.Store, lv.Source, lv.Cache, lv.FromCache = st, source, cache, true
		lv.pass = pass
		return lv, nil
	}
	lv, err := splitBundle(st.Env, b.Manifest.Generation, b.Files)
	if err != nil {
		return nil, err
	}
	lv.Store, lv.Source = st, source
	lv.ETag, lv.pass = info.ETag, pass
	if cache != nil {
		cache.Keep(raw, info, b.Manifest.Generation)
		lv.Cache = cache
	}
	return lv, nil
}

// loadLocal reads infra/vault/ENV/ of the project at or above dir, with no
// network. Its generation is the one the folder was last pulled or pushed
// as (0 when never).
func loadLocal(dir, env string) (*loadedVault, error) {
	if err := workspace.CheckEnvName(env); err != nil {
		return nil, err
	}
	proj, err := workspace.FindProject(dir)
	if err != nil {
		return nil, err
	}
	files, err := proj.ReadEnvFolder(env)
	if err != nil {
		return nil, err
	}
	var gen uint64
	if st, err := proj.LoadState(env); err == nil && st != nil {
		gen = st.Generation
	}
	lv, err := splitBundle(env, gen, files)
	if err != nil {
		return nil, err
	}
	lv.Source = "local"
	return lv, nil
}

// splitBundle separates the env's top-level .env.ENV from the other files,
// once childenv.CheckStartable accepted them: every runtime gets its
// vault here.
func splitBundle(env string, gen uint64, files []vault.File) (*loadedVault, error) {
	v, err := childenv.SplitBundle(env, gen, files)
	if err != nil {
		return nil, withHint(err, "nothing was started; rename or move the files named (\"vsync pull\" refuses this generation too), then push a new generation")
	}
	return &loadedVault{Vault: v}, nil
}

// cacheFor is the offline cache of the vault at location
// (workspace.VaultLocation), whose passphrase is pass, when the options
// ask for one (--cache), else nil.
func cacheFor(o runtimeOptions, location, env string, pass []byte, stderr io.Writer) *bundlecache.Offline {
	if o.Cache == "" {
		return nil
	}
	return &bundlecache.Offline{Cache: bundlecache.New(o.Cache, location, env, pass), MaxAge: o.CacheMaxAge, Messages: stderr}
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
