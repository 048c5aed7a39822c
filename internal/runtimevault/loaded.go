package runtimevault

import (
	"vsync/internal/bundlecache"
	"vsync/internal/childenv"
	"vsync/s3bundle"
	"vsync/vault"
)

// Loaded is a vault read and verified for a runtime command.
type Loaded struct {
	childenv.Vault // env, generation, the dotenv and the private files
	Store          *s3bundle.Store
	Source         string // "token", "profile" or "local", for messages
	// Location is the vault's (workspace.VaultLocation: location,
	// endpoint, prefix, env), by which `vsync status` beside the app
	// finds this vsync.
	Location string
	// Cache is the --cache of the vault (nil without): the watch's poller
	// keeps each generation it accepts there, and the cached one again
	// (KeepUnchanged) when a poll finds it unchanged.
	Cache *bundlecache.Offline
	// FromCache: the bucket did not answer and this is the cached bundle.
	FromCache bool
	// ETag is current.pgp's as fetched ("" from the cache), and
	// Passphrase the one that opened it: what --watch polls with.
	ETag       string
	Passphrase []byte
	// streamed: the files Prepare's early private directory already
	// holds, written as the bundle was decrypted (nil: none).
	streamed map[string]bool
}

// Split separates the env's top-level .env.ENV from the other files of
// generation gen, once childenv.CheckStartable accepted them: every
// runtime gets its vault here. A bundle it refuses is *NotStartedError.
func Split(env string, gen uint64, files []vault.File) (*Loaded, error) {
	v, err := childenv.SplitBundle(env, gen, files)
	if err != nil {
		return nil, &NotStartedError{err}
	}
	return &Loaded{Vault: v}, nil
}
