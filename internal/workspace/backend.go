package workspace

import (
	"context"
	"time"

	"vsync/s3bundle"
)

// s3Config is the S3 backend configuration of an S3 profile.
func (p Profile) s3Config() s3bundle.S3Config {
	return s3bundle.S3Config{
		Bucket:     p.Bucket,
		Region:     p.Region,
		Endpoint:   p.Endpoint,
		PathStyle:  p.PathStyle,
		AWSProfile: p.AWSProfile,
		AccessKey:  p.AccessKey,
		SecretKey:  p.SecretKey,

		InstanceMetadata: p.InstanceMetadata,
	}
}

// newBackend builds the Backend a profile describes. It makes no request:
// building a client is local work. A timeout other than zero bounds each
// S3 operation; warn, when not nil, is s3bundle.S3Config.Warn. A bad
// profile or AWS configuration is an ErrConfig (the message names the
// profile or file, never a key).
func newBackend(ctx context.Context, p Profile, timeout time.Duration, warn func(string)) (s3bundle.Backend, error) {
	if err := p.Check(); err != nil {
		return nil, configErrorf("bad profile: %v", err)
	}
	if p.Dir != "" {
		return s3bundle.NewDir(p.Dir)
	}
	cfg := p.s3Config()
	cfg.Timeout, cfg.Warn = timeout, warn
	be, err := s3bundle.NewS3(ctx, cfg)
	if err != nil {
		return nil, &kindError{kind: ErrConfig, err: err}
	}
	return be, nil
}
