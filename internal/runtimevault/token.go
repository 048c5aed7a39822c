package runtimevault

import (
	"errors"
	"fmt"
	"os"

	"vsync/internal/workspace"
	"vsync/s3bundle"
)

// TokenFromEnv parses VSYNC_CONFIG, or the file VSYNC_CONFIG_FILE names,
// as getenv gives them; nil when neither is set. Its errors are
// *TokenFileError and *TokenError.
func TokenFromEnv(getenv func(string) string) (*s3bundle.Token, error) {
	raw, from := getenv("VSYNC_CONFIG"), "VSYNC_CONFIG"
	if raw == "" {
		f := getenv("VSYNC_CONFIG_FILE")
		if f == "" {
			return nil, nil
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, &TokenFileError{err}
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
		return nil, &TokenError{Var: from, Err: err}
	}
	return &t, nil
}

// TokenLocation is the workspace.VaultLocation of the vault a runtime
// token points at: the same as that of a profile for the same bucket,
// endpoint and prefix.
func TokenLocation(t s3bundle.Token) string {
	return workspace.VaultLocation(workspace.Profile{Bucket: t.Bucket, Endpoint: t.Endpoint}, t.Prefix, t.Env)
}

// TokenCredentials is err, from the Store of token t, as a
// *TokenCredentialsError when it is s3bundle.ErrNoCredentials and t holds
// no key: there is no profile or AWS profile to give one at runtime, so
// either the environment gives them or a token is minted with them.
func TokenCredentials(err error, t s3bundle.Token) error {
	if !errors.Is(err, s3bundle.ErrNoCredentials) || t.AccessKey != "" {
		return err
	}
	return &TokenCredentialsError{Env: t.Env, Err: err}
}
