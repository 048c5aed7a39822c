package s3bundle

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// TokenPrefix starts every runtime token.
const TokenPrefix = "vsync-cfg-v1:"

// MaxTokenJSON bounds a token's decompressed JSON, so a small token cannot
// expand into a huge allocation (a gzip bomb).
const MaxTokenJSON = 64 << 10

// ErrToken is wrapped by every ParseToken error.
var ErrToken = errors.New("invalid runtime token")

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

// Encode returns TokenPrefix + standard base64 of gzip(JSON). It refuses a
// token without bucket or env, which ParseToken would reject.
func (t Token) Encode() (string, error) {
	if err := t.validate(); err != nil {
		return "", err
	}
	js, err := json.Marshal(t)
	if err != nil {
		return "", fmt.Errorf("encode runtime token: %w", err)
	}
	if len(js) > MaxTokenJSON {
		return "", fmt.Errorf("encode runtime token: JSON is %d bytes, more than %d", len(js), MaxTokenJSON)
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return "", fmt.Errorf("encode runtime token: %w", err)
	}
	if _, err := zw.Write(js); err != nil {
		return "", fmt.Errorf("encode runtime token: %w", err)
	}
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("encode runtime token: %w", err)
	}
	return TokenPrefix + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// ParseToken decodes a token. Errors wrap ErrToken, say which step failed
// (prefix, base64, gzip, JSON, missing bucket/env) and never echo the input.
// Surrounding whitespace is ignored, and so is missing base64 padding.
// Decompressed size is bounded by MaxTokenJSON; unknown JSON fields are
// ignored so that older runtimes read newer tokens.
func ParseToken(s string) (Token, error) {
	s = strings.TrimSpace(s)
	rest, ok := strings.CutPrefix(s, TokenPrefix)
	if !ok {
		return Token{}, tokenErr("not a vsync runtime token (want prefix %s)", TokenPrefix)
	}
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(rest, "="))
	if err != nil || len(raw) == 0 {
		return Token{}, tokenErr("token is not valid base64")
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return Token{}, tokenErr("token is not valid gzip")
	}
	js, err := io.ReadAll(io.LimitReader(zr, MaxTokenJSON+1))
	if err != nil {
		return Token{}, tokenErr("token is not valid gzip")
	}
	if len(js) > MaxTokenJSON {
		return Token{}, tokenErr("token content is larger than %d bytes", MaxTokenJSON)
	}
	if err := zr.Close(); err != nil {
		return Token{}, tokenErr("token is not valid gzip")
	}
	var t Token
	if err := json.Unmarshal(js, &t); err != nil {
		return Token{}, tokenErr("token JSON is malformed")
	}
	if err := t.validate(); err != nil {
		return Token{}, err
	}
	return t, nil
}

func (t Token) validate() error {
	switch {
	case t.Bucket == "":
		return tokenErr("token names no bucket")
	case t.Env == "":
		return tokenErr("token names no env")
	}
	return nil
}

// tokenErr builds a ParseToken error. Its arguments are constants of this
// file: the decoder's own messages are dropped because they may quote the
// offending input.
func tokenErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrToken}, args...)...)
}

// Store is the Store the token points at, its S3 operations bounded by
// timeout (0: none). Without a key in the token the standard AWS
// credential chain is used (NewS3).
func (t Token) Store(ctx context.Context, timeout time.Duration) (*Store, error) {
	be, err := NewS3(ctx, S3Config{
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
	return &Store{Backend: be, Prefix: t.Prefix, Env: t.Env}, nil
}
