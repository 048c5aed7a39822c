package s3bundle

// This file lists the contract of the protocol layer. The helper replaces
// the bodies; signatures and doc comments are the agreed API.

import (
	"context"
	"errors"
	"io"
	"time"
)

// Store is the vault of one env: <prefix>/<env>/ on a Backend.
type Store struct {
	Backend Backend
	Prefix  string // may be empty; no leading or trailing slash
	Env     string
}

// CurrentKey is "<prefix>/<env>/current.pgp".
func (s *Store) CurrentKey() string { panic("TODO") }

// GenerationKey is "<prefix>/<env>/generations/%010d.pgp".
func (s *Store) GenerationKey(gen uint64) string { panic("TODO") }

// Current HEADs current.pgp: the runtime's and status's view. ErrNotExist
// when nothing was pushed yet.
func (s *Store) Current(ctx context.Context) (ObjectInfo, error) { panic("TODO") }

// Generations lists the generation numbers in generations/, ascending.
func (s *Store) Generations(ctx context.Context) ([]uint64, error) { panic("TODO") }

// Tip returns the newest generation (0 if none) and the info of
// current.pgp, after rolling current.pgp forward when the history holds a
// newer generation than it (a push that died between its two PUTs). It never
// moves current.pgp backwards.
func (s *Store) Tip(ctx context.Context) (gen uint64, current ObjectInfo, err error) { panic("TODO") }

// Commit publishes generation gen (data is its encrypted bundle):
// PUT generations/<gen> with If-None-Match (the commit point; ErrConflict if
// another push took gen), then PUT current.pgp with If-Match current.ETag
// (If-None-Match when gen is 1). Losing that second race to a newer
// generation is not an error: current.pgp never moves backwards.
func (s *Store) Commit(ctx context.Context, gen uint64, data []byte, current ObjectInfo) error {
	panic("TODO")
}

// Open reads generation gen, or current.pgp when gen is 0.
func (s *Store) Open(ctx context.Context, gen uint64) (io.ReadCloser, ObjectInfo, error) {
	panic("TODO")
}

// S3Config says how to reach a bucket.
type S3Config struct {
	Bucket     string
	Region     string // default "us-east-1" when empty
	Endpoint   string // empty for AWS; "http://127.0.0.1:9000" for MinIO
	PathStyle  bool
	AWSProfile string // shared-config profile; empty for the default chain
	// Static credentials; when AccessKey is empty the standard AWS chain is
	// used (env vars, shared config, instance roles, web identity).
	AccessKey, SecretKey, SessionToken string
	// MaxAttempts bounds retries (default 3); Timeout bounds each whole
	// operation including retries (default 30s).
	MaxAttempts int
	Timeout     time.Duration
}

// NewS3 returns the S3 backend. Checksums are computed and validated only
// "when required", so MinIO, R2 and Hetzner work. With static credentials it
// does not read shared config files (fast start).
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) { panic("TODO") }

// NewDir returns the local-directory backend rooted at root (which must
// exist: ErrNoBucket otherwise).
func NewDir(root string) (*Dir, error) { panic("TODO") }

// TokenPrefix starts every runtime token.
const TokenPrefix = "vsync-cfg-v1:"

// Token is a runtime token's content: where an env's vault is and, optionally,
// a read-only key. JSON field names are the wire format.
type Token struct {
	Bucket       string `json:"bucket"`
	Prefix       string `json:"prefix,omitempty"`
	Env          string `json:"env"`
	Region       string `json:"region,omitempty"`
	Endpoint     string `json:"endpoint,omitempty"`
	PathStyle    bool   `json:"path_style,omitempty"`
	AccessKey    string `json:"access_key,omitempty"`
	SecretKey    string `json:"secret_key,omitempty"`
	SessionToken string `json:"session_token,omitempty"`
}

// Encode returns TokenPrefix + standard base64 of gzip(JSON).
func (t Token) Encode() (string, error) { panic("TODO") }

// ParseToken decodes a token. Errors wrap ErrToken, say which step failed
// (prefix, base64, gzip, JSON, missing bucket/env) and never echo the input.
// Surrounding whitespace is ignored. Decompressed size is bounded.
func ParseToken(s string) (Token, error) { panic("TODO") }

// ErrToken is wrapped by every ParseToken error.
var ErrToken = errors.New("invalid runtime token")

// S3 is the Backend on an S3-compatible bucket.
type S3 struct{}

// Dir is the Backend on a local directory, same layout as a bucket.
type Dir struct{}
