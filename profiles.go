package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"vsync/s3bundle"
)

// profile says where vaults live: an S3-compatible bucket or a local
// directory. One [profiles.NAME] table of profiles.toml.
type profile struct {
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

// profilesConfig is the content of profiles.toml.
type profilesConfig struct {
	Profiles map[string]profile `toml:"profiles"`
}

// configDir is $XDG_CONFIG_HOME/vsync, default ~/.config/vsync.
func configDir(sys *sysEnv) (string, error) {
	base := sys.Getenv("XDG_CONFIG_HOME")
	if base == "" || !filepath.IsAbs(base) {
		home := sys.Getenv("HOME")
		if home == "" {
			h, err := os.UserHomeDir()
			if err != nil {
				return "", configErrorf("cannot find the config directory: set XDG_CONFIG_HOME or HOME")
			}
			home = h
		}
		base = filepath.Join(home, ".config")
	}
	return filepath.Join(base, "vsync"), nil
}

// ensureConfigDir creates the config directory 0700.
func ensureConfigDir(sys *sysEnv, sub ...string) (string, error) {
	d, err := configDir(sys)
	if err != nil {
		return "", err
	}
	d = filepath.Join(append([]string{d}, sub...)...)
	if err := os.MkdirAll(d, 0o700); err != nil {
		return "", err
	}
	return d, nil
}

func profilesPath(sys *sysEnv) (string, error) {
	d, err := configDir(sys)
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "profiles.toml"), nil
}

// loadProfiles reads profiles.toml; a missing file is an empty set. Errors
// name the line but never quote it (the file may hold a secret key).
func loadProfiles(sys *sysEnv) (*profilesConfig, error) {
	path, err := profilesPath(sys)
	if err != nil {
		return nil, err
	}
	cfg := &profilesConfig{Profiles: map[string]profile{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return nil, err
	}
	md, err := toml.Decode(string(data), cfg)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, configErrorf("%q: line %d: malformed TOML", path, pe.Position.Line)
		}
		return nil, configErrorf("%q: a value has the wrong type", path)
	}
	if u := md.Undecoded(); len(u) > 0 {
		return nil, configErrorf("%q: unknown key %q", path, u[0].String())
	}
	if cfg.Profiles == nil {
		cfg.Profiles = map[string]profile{}
	}
	for name, p := range cfg.Profiles {
		if err := p.check(); err != nil {
			return nil, configErrorf("%q: profile %q: %v", path, name, err)
		}
	}
	return cfg, nil
}

// save writes profiles.toml atomically, 0600.
func (c *profilesConfig) save(sys *sysEnv) error {
	if _, err := ensureConfigDir(sys); err != nil {
		return err
	}
	path, err := profilesPath(sys)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString("# vsync profiles: where vaults live. Managed by \"vsync profile\".\n")
	if err := toml.NewEncoder(&buf).Encode(c); err != nil {
		return err
	}
	return writeFileAtomic(path, buf.Bytes(), 0o600)
}

// get returns the named profile.
func (c *profilesConfig) get(name string) (profile, error) {
	p, ok := c.Profiles[name]
	if !ok {
		return profile{}, withCode(configErrorf("no profile %q", name), exitConfig,
			fmt.Sprintf("add it with \"vsync profile add %s --bucket B\" or \"--dir PATH\"", name))
	}
	return p, nil
}

// names returns the profile names, sorted.
func (c *profilesConfig) names() []string {
	var n []string
	for k := range c.Profiles {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// check validates a profile's fields.
func (p profile) check() error {
	switch {
	case p.Bucket == "" && p.Dir == "":
		return errors.New("needs a bucket or a dir")
	case p.Bucket != "" && p.Dir != "":
		return errors.New("has both a bucket and a dir")
	case p.Dir != "" && !filepath.IsAbs(p.Dir):
		return errors.New("dir must be an absolute path")
	case (p.AccessKey == "") != (p.SecretKey == ""):
		return errors.New("access_key and secret_key go together")
	case endpointUserinfo(p.Endpoint):
		return errors.New("endpoint embeds credentials (user:secret@host): store keys as access_key and secret_key")
	case p.Dir != "" && (p.Region != "" || p.Endpoint != "" || p.PathStyle || p.AWSProfile != "" || p.AccessKey != "" || p.InstanceMetadata):
		return errors.New("a dir profile takes no S3 settings")
	}
	if p.MaxBundleSize != "" {
		if _, err := parseBundleSize(p.MaxBundleSize); err != nil {
			return fmt.Errorf("max_bundle_size: %v", err)
		}
	}
	return nil
}

// location names where a profile's vaults are: "dir:/abs/path" or
// "s3://bucket". It contains no credential.
func (p profile) location() string {
	if p.Dir != "" {
		return "dir:" + filepath.Clean(p.Dir)
	}
	return "s3://" + p.Bucket
}

// endpointNote is " at ENDPOINT" for an S3 profile with its own endpoint.
func (p profile) endpointNote() string {
	if p.Dir != "" || p.Endpoint == "" {
		return ""
	}
	return " at " + strings.TrimRight(p.Endpoint, "/")
}

// describe is a one-line summary for "profile list", without secrets.
func (p profile) describe() string {
	if p.Dir != "" {
		return p.location()
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

// s3Config is the S3 backend configuration of an S3 profile.
func (p profile) s3Config() s3bundle.S3Config {
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

// newBackend builds the Backend a profile describes. It does no network
// round trip. A timeout other than zero bounds each S3 operation (the test
// binary sets it; users have none).
func newBackend(ctx context.Context, p profile, timeout time.Duration) (s3bundle.Backend, error) {
	if err := p.check(); err != nil {
		return nil, configErrorf("bad profile: %v", err)
	}
	if p.Dir != "" {
		return s3bundle.NewDir(p.Dir)
	}
	cfg := p.s3Config()
	cfg.Timeout = timeout
	be, err := s3bundle.NewS3(ctx, cfg)
	if err != nil {
		// A missing AWS profile or a bad shared config: the message names
		// the profile or file, never a key.
		return nil, configError{err}
	}
	return be, nil
}
