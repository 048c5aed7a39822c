package runtimevault

import (
	"context"
	"io"
	"time"

	"vsync/internal/history"
	"vsync/vault"
)

// Options say where a runtime command's variables come from and how they
// are layered (the flags shared by run, start and env), and what of the
// outside world it may use.
type Options struct {
	Env   string // an env of the project at or above the working directory; "" for none
	Local bool   // with Env: read infra/vault/ENV/ itself, no network
	// FetchTimeout bounds the fetch of current.pgp, retries included; 0:
	// none.
	FetchTimeout time.Duration
	// Cache, when not "", is the directory where the last good (still
	// encrypted) bundle is kept and started from when the bucket does not
	// answer, if fetched at most CacheMaxAge (positive) before.
	Cache       string
	CacheMaxAge time.Duration
	// MaxBundle, when not 0, is the maximum bundle size; else the
	// profile's, else the default.
	MaxBundle int64

	EnvFiles    []string // dotenv files, in order (-e)
	Defaults    []string // KEY=VALUE used when no other source sets KEY
	PreserveAll bool     // the process environment wins for every key
	Preserve    []string // ... or for these keys
	FileEnv     []string // SRC=NAME: also point NAME at vault file SRC
	// DotenvDir is where the dotenv-only mode reads .env when EnvFiles is
	// empty; "": the working directory.
	DotenvDir string

	// Getenv reads vsync's environment: the runtime token and passphrase
	// variables, the configuration directory, the base of the private
	// files.
	Getenv func(string) string
	// Getwd is the working directory, asked only for Env without a token.
	Getwd func() (string, error)
	// Environ is the process environment, the child's lowest layer but
	// the defaults.
	Environ []string
	// Projects opens Env in the project at or above the working
	// directory.
	Projects ProjectOpener
	// Messages is where the notes and warnings of a load are said (a
	// start from the cache, a cache that could not be written).
	Messages io.Writer
	// BeforeRead, when not nil, is called before the vault is read from
	// a bucket or a project's store (what may be slow), and not before
	// the token is parsed and the client built: `vsync run` subscribes to
	// the signals it forwards meanwhile.
	BeforeRead func()
	// BeforeWrite, when not nil, is called before the first private
	// directory or file is made (during the fetch for a big bundle, else
	// after it), and not before: `vsync run` and `vsync start` wait there
	// until every signal whose default action would end them is relayed,
	// so that none can end them without the private files removed.
	BeforeWrite func()

	// streamTest, when not nil, is given Prepare's early directory and
	// what streams into it, before the fetch (tests).
	streamTest func(*earlyDir, *vault.StreamFiles)
}

// beforeWrite calls BeforeWrite when set.
func (o Options) beforeWrite() {
	if o.BeforeWrite != nil {
		o.BeforeWrite()
	}
}

// beforeRead calls BeforeRead when set.
func (o Options) beforeRead() {
	if o.BeforeRead != nil {
		o.BeforeRead()
	}
}

// ProjectOpener opens an env of a project as the operator's commands do
// (the CLI's, which also cleans up after an interrupted pull and says so).
type ProjectOpener interface {
	// OpenProjectEnv opens env of the project at or above dir, with its
	// passphrase: its Store (MaxSize the profile's limit), passphrase and
	// location. It makes no network request.
	OpenProjectEnv(ctx context.Context, dir, env string) (*history.Env, error)
}
