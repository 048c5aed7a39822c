package workspace

import (
	"fmt"

	"vsync/s3bundle"
)

// RuntimeToken is the runtime token of env, under prefix in the vaults of
// p, holding the key given in key (AccessKey, SecretKey, SessionToken;
// none: the runtime's standard AWS chain). A profile on a local directory
// has none: a *DirTokenError.
func (p Profile) RuntimeToken(prefix, env string, key s3bundle.Token) (s3bundle.Token, error) {
	if p.Dir != "" {
		return s3bundle.Token{}, &DirTokenError{Env: env, Location: p.Location()}
	}
	return s3bundle.Token{
		Bucket:       p.Bucket,
		Prefix:       prefix,
		Env:          env,
		Region:       p.Region,
		Endpoint:     p.Endpoint,
		PathStyle:    p.PathStyle,
		AccessKey:    key.AccessKey,
		SecretKey:    key.SecretKey,
		SessionToken: key.SessionToken,
	}, nil
}

// DirTokenError: env Env lives in a local directory (Location), and
// runtime tokens are for S3 profiles. It is an ErrConfig.
type DirTokenError struct{ Env, Location string }

func (e *DirTokenError) Error() string {
	return fmt.Sprintf("env %q lives in a local directory (%s): runtime tokens are for S3 profiles", e.Env, e.Location)
}
func (e *DirTokenError) Is(target error) bool { return target == ErrConfig }
