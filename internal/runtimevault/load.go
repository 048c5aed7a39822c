package runtimevault

import (
	"context"
	"errors"
	"time"

	"vsync/internal/bundlecache"
	"vsync/internal/history"
	"vsync/internal/workspace"
	"vsync/s3bundle"
)

// Load finds and reads the vault by the discovery order: a runtime token
// (VSYNC_CONFIG or VSYNC_CONFIG_FILE) with VSYNC_PASSPHRASE or
// VSYNC_PASSPHRASE_FILE; else o.Env in a project; else none (nil, nil):
// the dotenv-only mode. At runtime with a token it makes exactly one GET.
func Load(ctx context.Context, o Options) (*Loaded, error) {
	return load(ctx, o, nil)
}

// load is Load, with early (may be nil) the private directory to write a
// big bundle's files into as they are decrypted.
func load(ctx context.Context, o Options, early *earlyDir) (*Loaded, error) {
	tok, err := TokenFromEnv(o.Getenv)
	if err != nil {
		return nil, err
	}
	if tok != nil {
		return loadToken(ctx, o, *tok, early)
	}
	if o.Env == "" {
		if o.Local {
			return nil, ErrLocalNeedsEnv
		}
		return nil, nil
	}
	dir, err := o.Getwd()
	if err != nil {
		return nil, err
	}
	if o.Local {
		return loadLocal(dir, o.Env)
	}
	o.beforeRead()
	v, err := o.Projects.OpenProjectEnv(ctx, dir, o.Env)
	if err != nil {
		return nil, err
	}
	if o.MaxBundle > 0 {
		v.Store.MaxSize = o.MaxBundle
	}
	lv, err := fetch(ctx, o, v.Store, v.Passphrase, "profile", cacheFor(o, v.Location, o.Env, v.Passphrase), early)
	if err != nil {
		return nil, err
	}
	lv.Location = v.Location
	return lv, nil
}

// loadToken reads the vault the runtime token tok points at.
func loadToken(ctx context.Context, o Options, tok s3bundle.Token, early *earlyDir) (*Loaded, error) {
	if o.Env != "" && o.Env != tok.Env {
		return nil, &EnvMismatchError{Env: o.Env, TokenEnv: tok.Env}
	}
	pass, err := workspace.Home{Getenv: o.Getenv}.PassphraseFromEnv()
	if err != nil {
		return nil, err
	}
	if pass == nil {
		return nil, ErrNoPassphrase
	}
	st, err := tok.Store(ctx, o.FetchTimeout)
	if err != nil {
		return nil, err
	}
	st.MaxSize = workspace.Profile{}.BundleLimit(o.MaxBundle)
	loc := TokenLocation(tok)
	o.beforeRead()
	lv, err := fetch(ctx, o, st, pass, "token", cacheFor(o, loc, tok.Env, pass), early)
	if err != nil {
		return nil, TokenCredentials(err, tok)
	}
	lv.Location = loc
	return lv, nil
}

// cacheFor is the offline cache of env's vault at location
// (workspace.VaultLocation), whose passphrase is pass, when o asks for
// one, else nil.
func cacheFor(o Options, location, env string, pass []byte) *bundlecache.Offline {
	if o.Cache == "" {
		return nil
	}
	return &bundlecache.Offline{Cache: bundlecache.New(o.Cache, location, env, pass), MaxAge: o.CacheMaxAge, Messages: o.Messages}
}

// fetch reads current.pgp of st once, decrypts and verifies it under
// pass, and splits it into the dotenv and the private files. With a cache
// (non-nil) it keeps the bundle there, and when the bucket does not
// answer it starts from the cache instead (bundlecache.Offline.Start).
// With early, a big bundle's files are written into its directory as the
// bundle is decrypted.
func fetch(ctx context.Context, o Options, st *s3bundle.Store, pass []byte, source string, cache *bundlecache.Offline, early *earlyDir) (*Loaded, error) {
	if cache != nil {
		if err := bundlecache.CheckDir(cache.Dir()); err != nil {
			return nil, err
		}
	}
	if o.FetchTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.FetchTimeout)
		defer cancel()
	}
	stream := early.stream(st.Env)
	if stream != nil && o.streamTest != nil {
		o.streamTest(early, stream)
	}
	b, raw, info, err := history.FetchCurrentTo(ctx, st, pass, cache != nil, stream)
	if err != nil {
		if cache == nil || !bundlecache.BucketDidNotAnswer(err) {
			if errors.Is(err, context.DeadlineExceeded) {
				err = &fetchTimeout{err}
			}
			return nil, err
		}
		b, err := cache.Start(st, pass, err, time.Now())
		if err != nil {
			return nil, err
		}
		lv, err := Split(st.Env, b.Manifest.Generation, b.Files)
		if err != nil {
			return nil, err
		}
		lv.Store, lv.Source, lv.Cache, lv.FromCache, lv.Passphrase = st, source, cache, true, pass
		return lv, nil
	}
	lv, err := Split(st.Env, b.Manifest.Generation, b.Files)
	if err != nil {
		return nil, err
	}
	lv.Store, lv.Source, lv.ETag, lv.Passphrase = st, source, info.ETag, pass
	if stream != nil {
		lv.streamed = stream.Written
	}
	if cache != nil {
		cache.Keep(raw, info, b.Manifest.Generation)
		lv.Cache = cache
	}
	return lv, nil
}

// loadLocal reads infra/vault/ENV/ of the project at or above dir, with no
// network. Its generation is the one the folder was last pulled or pushed
// as (0 when never).
func loadLocal(dir, env string) (*Loaded, error) {
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
	lv, err := Split(env, gen, files)
	if err != nil {
		return nil, err
	}
	lv.Source = "local"
	return lv, nil
}
