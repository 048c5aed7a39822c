package workspace

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// projectFileName is the committed project file, found by walking up from
// the working directory as git finds .git.
const projectFileName = "vsync.toml"

// VaultDirRel is where envs live inside a project (gitignored).
const VaultDirRel = "infra/vault"

// ProjectConfig is the content of vsync.toml:
//
//	prefix = "myapp"
//	[envs.prod]
//	profile = "acme-prod"
type ProjectConfig struct {
	Prefix string               `toml:"prefix"`
	Envs   map[string]EnvConfig `toml:"envs"`
}

// EnvConfig is one [envs.NAME] table of vsync.toml.
type EnvConfig struct {
	Profile string `toml:"profile"`
}

// Project is a loaded vsync.toml and the directory holding it.
type Project struct {
	Dir    string // absolute
	Config ProjectConfig
}

var (
	nameRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	prefixRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
)

// ValidName reports whether s is a valid env or profile name:
// [a-z0-9][a-z0-9_-]* (CheckEnvName also bounds the length).
func ValidName(s string) bool { return nameRE.MatchString(s) }

// CheckEnvName validates an env name: env names are path components and
// S3 key components, so [a-z0-9][a-z0-9_-]*. The error is an
// ErrInvalidEnvName.
func CheckEnvName(env string) error {
	if !nameRE.MatchString(env) || len(env) > 64 {
		return kindErrorf(ErrInvalidEnvName, "invalid env name %q: use lower-case letters, digits, '-' and '_', starting with a letter or digit", env)
	}
	return nil
}

// CheckPrefix validates a bucket prefix: slash-separated name components,
// no leading or trailing slash. The error is an ErrInvalidPrefix.
func CheckPrefix(p string) error {
	if p == "" {
		return nil
	}
	for _, c := range strings.Split(p, "/") {
		if !prefixRE.MatchString(c) {
			return kindErrorf(ErrInvalidPrefix, "invalid prefix %q: use letters, digits, '.', '-', '_' and '/' between components", p)
		}
	}
	return nil
}

// FindProject walks up from dir to the first directory holding vsync.toml
// and loads it. Without one, the error is an ErrNoProject.
func FindProject(dir string) (*Project, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	for d := dir; ; {
		p := filepath.Join(d, projectFileName)
		if _, err := os.Stat(p); err == nil {
			return loadProject(d)
		}
		parent := filepath.Dir(d)
		if parent == d {
			return nil, fmt.Errorf("%w in %q or any parent directory", ErrNoProject, dir)
		}
		d = parent
	}
}

// loadProject reads dir/vsync.toml. Unknown keys are errors: a typo must
// not silently send secrets to another place.
func loadProject(dir string) (*Project, error) {
	path := filepath.Join(dir, projectFileName)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cfg ProjectConfig
	md, err := toml.Decode(string(data), &cfg)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, configErrorf("%q: line %d: %s", path, pe.Position.Line, pe.Message)
		}
		return nil, configErrorf("%q: %v", path, err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		return nil, configErrorf("%q: unknown key %q", path, u[0].String())
	}
	if err := CheckPrefix(cfg.Prefix); err != nil {
		return nil, configErrorf("%q: %v", path, err)
	}
	for name, e := range cfg.Envs {
		if CheckEnvName(name) != nil {
			return nil, configErrorf("%q: invalid env name %q", path, name)
		}
		if e.Profile == "" {
			return nil, configErrorf("%q: env %q has no profile", path, name)
		}
	}
	return &Project{Dir: dir, Config: cfg}, nil
}

// Save writes vsync.toml atomically.
func (p *Project) Save() error {
	// Written by hand for a stable, readable file; every value was
	// validated, so %q quoting is valid TOML.
	var buf bytes.Buffer
	buf.WriteString("# vsync project: where each env's encrypted vault lives. Commit this file.\n")
	fmt.Fprintf(&buf, "prefix = %q\n", p.Config.Prefix)
	for _, n := range p.envNames() {
		fmt.Fprintf(&buf, "\n[envs.%s]\nprofile = %q\n", n, p.Config.Envs[n].Profile)
	}
	return WriteFileAtomic(filepath.Join(p.Dir, projectFileName), buf.Bytes(), 0o644)
}

// envNames returns the recorded env names, sorted.
func (p *Project) envNames() []string {
	names := make([]string, 0, len(p.Config.Envs))
	for n := range p.Config.Envs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Env returns the [envs.NAME] table of a recorded env; an env that is not
// recorded is a *NotRecordedError.
func (p *Project) Env(name string) (EnvConfig, error) {
	if err := CheckEnvName(name); err != nil {
		return EnvConfig{}, err
	}
	e, ok := p.Config.Envs[name]
	if !ok {
		return EnvConfig{}, &NotRecordedError{Env: name, ProjectFile: filepath.Join(p.Dir, projectFileName), Recorded: p.envNames()}
	}
	return e, nil
}

// VaultDir is infra/vault of the project.
func (p *Project) VaultDir() string { return filepath.Join(p.Dir, filepath.FromSlash(VaultDirRel)) }

// EnvDir is infra/vault/ENV.
func (p *Project) EnvDir(env string) string { return filepath.Join(p.VaultDir(), env) }

// HasVault reports whether the project at or above dir records an env:
// false, not an error, when there is no project.
func HasVault(dir string) (bool, error) {
	p, err := FindProject(dir)
	if errors.Is(err, ErrNoProject) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return len(p.Config.Envs) > 0, nil
}
