package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
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

// vaultDirRel is where envs live inside a project (gitignored).
const vaultDirRel = "infra/vault"

// projectConfig is the content of vsync.toml:
//
//	prefix = "myapp"
//	[envs.prod]
//	profile = "acme-prod"
type projectConfig struct {
	Prefix string               `toml:"prefix"`
	Envs   map[string]envConfig `toml:"envs"`
}

// envConfig is one [envs.NAME] table of vsync.toml.
type envConfig struct {
	Profile string `toml:"profile"`
}

// project is a loaded vsync.toml and the directory holding it.
type project struct {
	Dir    string // absolute
	Config projectConfig
}

// errNoProject: no vsync.toml in the directory or any parent.
var errNoProject = errors.New("no vsync.toml found")

var (
	nameRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	prefixRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
)

// checkEnvName validates an env name: env names are path components and
// S3 key components, so [a-z0-9][a-z0-9_-]*.
func checkEnvName(env string) error {
	if !nameRE.MatchString(env) || len(env) > 64 {
		return usageErrorf("invalid env name %q: use lower-case letters, digits, '-' and '_', starting with a letter or digit", env)
	}
	return nil
}

// checkPrefix validates a bucket prefix: slash-separated name components,
// no leading or trailing slash.
func checkPrefix(p string) error {
	if p == "" {
		return nil
	}
	for _, c := range strings.Split(p, "/") {
		if !prefixRE.MatchString(c) {
			return usageErrorf("invalid prefix %q: use letters, digits, '.', '-', '_' and '/' between components", p)
		}
	}
	return nil
}

// findProject walks up from dir to the first directory holding vsync.toml
// and loads it.
func findProject(dir string) (*project, error) {
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
			return nil, withCode(fmt.Errorf("%w in %q or any parent directory", errNoProject, dir), exitConfig,
				"run \"vsync init ENV --profile P\" in the project's root directory")
		}
		d = parent
	}
}

// loadProject reads dir/vsync.toml. Unknown keys are errors: a typo must
// not silently send secrets to another place.
func loadProject(dir string) (*project, error) {
	path := filepath.Join(dir, projectFileName)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cfg projectConfig
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
	if err := checkPrefix(cfg.Prefix); err != nil {
		return nil, configErrorf("%q: %v", path, err)
	}
	for name, e := range cfg.Envs {
		if checkEnvName(name) != nil {
			return nil, configErrorf("%q: invalid env name %q", path, name)
		}
		if e.Profile == "" {
			return nil, configErrorf("%q: env %q has no profile", path, name)
		}
	}
	return &project{Dir: dir, Config: cfg}, nil
}

// save writes vsync.toml atomically.
func (p *project) save() error {
	// Written by hand for a stable, readable file; every value was
	// validated, so %q quoting is valid TOML.
	var buf bytes.Buffer
	buf.WriteString("# vsync project: where each env's encrypted vault lives. Commit this file.\n")
	fmt.Fprintf(&buf, "prefix = %q\n", p.Config.Prefix)
	names := make([]string, 0, len(p.Config.Envs))
	for n := range p.Config.Envs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&buf, "\n[envs.%s]\nprofile = %q\n", n, p.Config.Envs[n].Profile)
	}
	return writeFileAtomic(filepath.Join(p.Dir, projectFileName), buf.Bytes(), 0o644)
}

// env returns the [envs.NAME] table of a recorded env.
func (p *project) env(name string) (envConfig, error) {
	if err := checkEnvName(name); err != nil {
		return envConfig{}, err
	}
	e, ok := p.Config.Envs[name]
	if !ok {
		hint := fmt.Sprintf("create it with \"vsync init %s --profile P\"", name)
		if len(p.Config.Envs) > 0 {
			names := make([]string, 0, len(p.Config.Envs))
			for n := range p.Config.Envs {
				names = append(names, n)
			}
			sort.Strings(names)
			hint = fmt.Sprintf("vsync.toml has %s; or %s", strings.Join(names, ", "), hint)
		}
		return envConfig{}, withCode(fmt.Errorf("env %q is not in %q", name, filepath.Join(p.Dir, projectFileName)),
			exitNotFound, hint)
	}
	return e, nil
}

// vaultDir is infra/vault of the project.
func (p *project) vaultDir() string { return filepath.Join(p.Dir, filepath.FromSlash(vaultDirRel)) }

// envDir is infra/vault/ENV.
func (p *project) envDir(env string) string { return filepath.Join(p.vaultDir(), env) }

// dotenvRel is the env's dotenv file relative to its folder.
func dotenvRel(env string) string { return ".env." + env }

// writeFileAtomic writes data to path through a temporary file in the same
// directory and a rename, so readers see the old or the new content.
func writeFileAtomic(path string, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename this fails harmlessly
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
