package workspace

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sort"

	"github.com/BurntSushi/toml"
)

// Profiles is the content of profiles.toml.
type Profiles struct {
	Profiles map[string]Profile `toml:"profiles"`
}

func (h Home) profilesPath() (string, error) {
	d, err := h.ConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "profiles.toml"), nil
}

// LoadProfiles reads profiles.toml; a missing file is an empty set. Errors
// name the line but never quote it (the file may hold a secret key).
func (h Home) LoadProfiles() (*Profiles, error) {
	path, err := h.profilesPath()
	if err != nil {
		return nil, err
	}
	cfg := &Profiles{Profiles: map[string]Profile{}}
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
		cfg.Profiles = map[string]Profile{}
	}
	for name, p := range cfg.Profiles {
		if err := p.Check(); err != nil {
			return nil, configErrorf("%q: profile %q: %v", path, name, err)
		}
	}
	return cfg, nil
}

// SaveProfiles writes profiles.toml atomically, 0600.
func (h Home) SaveProfiles(c *Profiles) error {
	if _, err := h.ensureConfigDir(); err != nil {
		return err
	}
	path, err := h.profilesPath()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString("# vsync profiles: where vaults live. Managed by \"vsync profile\".\n")
	if err := toml.NewEncoder(&buf).Encode(c); err != nil {
		return err
	}
	return WriteFileAtomic(path, buf.Bytes(), 0o600)
}

// Get returns the named profile; a missing one is a *NoProfileError.
func (c *Profiles) Get(name string) (Profile, error) {
	p, ok := c.Profiles[name]
	if !ok {
		return Profile{}, &NoProfileError{Name: name}
	}
	return p, nil
}

// Names returns the profile names, sorted.
func (c *Profiles) Names() []string {
	var n []string
	for k := range c.Profiles {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}
