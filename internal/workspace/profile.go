package workspace

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Profile says where vaults live: an S3-compatible bucket or a local
// directory. One [profiles.NAME] table of profiles.toml.
type Profile struct {
	Bucket     string `toml:"bucket,omitempty"`
	Region     string `toml:"region,omitempty"`
	Endpoint   string `toml:"endpoint,omitempty"`
	PathStyle  bool   `toml:"path_style,omitempty"`
	AWSProfile string `toml:"aws_profile,omitempty"`
	AccessKey  string `toml:"access_key,omitempty"`
	SecretKey  string `toml:"secret_key,omitempty"`
	Dir        string `toml:"dir,omitempty"`
	// InstanceMetadata lets a profile with an Endpoint still take
	// credentials from the EC2 instance metadata service (see
	// s3bundle.S3Config.InstanceMetadata).
	InstanceMetadata bool `toml:"instance_metadata,omitempty"`
	// MaxBundleSize is the largest bundle read from or pushed to the
	// profile's vaults ("512MiB"); empty: vault.DefaultMaxBundleSize.
	MaxBundleSize string `toml:"max_bundle_size,omitempty"`
}

// The errors of Profile.Check, whose messages name the fields of
// profiles.toml.
var (
	ErrNoLocation          = errors.New("needs a bucket or a dir")
	ErrTwoLocations        = errors.New("has both a bucket and a dir")
	ErrKeyPair             = errors.New("access_key and secret_key go together")
	ErrEndpointCredentials = errors.New("endpoint embeds credentials (user:secret@host): store keys as access_key and secret_key")
	ErrDirWithS3           = errors.New("a dir profile takes no S3 settings")
)

// Check validates a profile's fields. Its messages name the fields of
// profiles.toml.
func (p Profile) Check() error {
	switch {
	case p.Bucket == "" && p.Dir == "":
		return ErrNoLocation
	case p.Bucket != "" && p.Dir != "":
		return ErrTwoLocations
	case p.Dir != "" && !filepath.IsAbs(p.Dir):
		return errors.New("dir must be an absolute path")
	case (p.AccessKey == "") != (p.SecretKey == ""):
		return ErrKeyPair
	case endpointUserinfo(p.Endpoint):
		return ErrEndpointCredentials
	case p.Dir != "" && (p.Region != "" || p.Endpoint != "" || p.PathStyle || p.AWSProfile != "" || p.AccessKey != "" || p.InstanceMetadata):
		return ErrDirWithS3
	}
	if p.MaxBundleSize != "" {
		if _, err := ParseBundleSize(p.MaxBundleSize); err != nil {
			return fmt.Errorf("max_bundle_size: %v", err)
		}
	}
	return nil
}

// endpointUserinfo reports whether an endpoint URL embeds credentials
// (http://key:secret@host, key:secret@host:9000): profiles refuse them,
// since an endpoint is printed in listings and messages and is no place
// for a key.
func endpointUserinfo(endpoint string) bool {
	host := endpoint
	if _, rest, ok := strings.Cut(host, "://"); ok {
		host = rest
	}
	if i := strings.IndexAny(host, "/?#"); i >= 0 {
		host = host[:i]
	}
	return strings.Contains(host, "@")
}

// Location names where a profile's vaults are: "dir:/abs/path" or
// "s3://bucket". It contains no credential.
func (p Profile) Location() string {
	if p.Dir != "" {
		return "dir:" + filepath.Clean(p.Dir)
	}
	return "s3://" + p.Bucket
}

// endpointNote is " at ENDPOINT" for an S3 profile with its own endpoint.
func (p Profile) endpointNote() string {
	if p.Dir != "" || p.Endpoint == "" {
		return ""
	}
	return " at " + strings.TrimRight(p.Endpoint, "/")
}

// Describe is a one-line summary for "profile list", without secrets.
func (p Profile) Describe() string {
	if p.Dir != "" {
		return p.Location()
	}
	var extra []string
	if p.Region != "" {
		extra = append(extra, "region "+p.Region)
	}
	if p.Endpoint != "" {
		extra = append(extra, "endpoint "+p.Endpoint)
	}
	if p.PathStyle {
		extra = append(extra, "path-style")
	}
	if p.AWSProfile != "" {
		extra = append(extra, "aws profile "+p.AWSProfile)
	}
	if p.AccessKey != "" {
		extra = append(extra, "stored keys")
	}
	s := "s3://" + p.Bucket
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	return s
}
