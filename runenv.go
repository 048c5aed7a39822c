package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"vsync/vault"
)

// Sources of a child's variables, lowest precedence first. `vsync env`
// prints them next to each key.
const (
	srcDefault = "default"
	srcProcess = "process"
	srcFile    = "env file"
	srcVault   = "vault"
	srcVsync   = "vsync" // VSYNC_ENV, VSYNC_GENERATION and *_FILE pointers
)

// scrubbed are never passed to a child: they unlock the vault.
var scrubbed = []string{"VSYNC_CONFIG", "VSYNC_CONFIG_FILE", "VSYNC_PASSPHRASE", "VSYNC_PASSPHRASE_FILE"}

// secretVars are the scrubbed variables whose values are themselves
// secrets (not paths): keepFromPeers wipes them from /proc/PID/environ.
var secretVars = []string{"VSYNC_CONFIG", "VSYNC_PASSPHRASE"}

func isScrubbed(key string) bool {
	for _, k := range scrubbed {
		if k == key {
			return true
		}
	}
	return false
}

// envVar is one variable of a child's environment and where it came from.
type envVar struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Source string `json:"source"`
	From   string `json:"from,omitempty"` // the env file's path, for srcFile
}

// envFile is a parsed dotenv file given with -e (or the default .env).
type envFile struct {
	Path string
	Data []byte
}

// envLayers are the inputs of composeEnv.
type envLayers struct {
	Defaults []string // K=V from --default
	Process  []string // os.Environ() of vsync
	Files    []envFile
	// Vault is the raw content of the env's dotenv inside the bundle, nil
	// when there is no vault.
	Vault     []byte
	VaultName string // for errors: "vault:prod/.env.prod"
	// PreserveAll lets the process environment win over files and vault;
	// Preserve does so for the named keys only.
	PreserveAll bool
	Preserve    map[string]bool
	// Extra are set last, by vsync itself (VSYNC_ENV, *_FILE pointers).
	Extra []envVar
}

// envSet is an ordered map of variables.
type envSet struct {
	vars  map[string]envVar
	order []string
}

func (s *envSet) set(v envVar) {
	if s.vars == nil {
		s.vars = map[string]envVar{}
	}
	if _, ok := s.vars[v.Key]; !ok {
		s.order = append(s.order, v.Key)
	}
	s.vars[v.Key] = v
}

// lookup resolves ${K} for a dotenv. A scrubbed key resolves to nothing,
// whatever layer set it: a line LEAK=${VSYNC_PASSPHRASE} in a vault or an
// -e file must not hand the child what vsync keeps from it.
func (s *envSet) lookup(k string) (string, bool) {
	if isScrubbed(k) {
		return "", false
	}
	v, ok := s.vars[k]
	return v.Value, ok
}

// composeEnv merges the layers by precedence: defaults, then the process
// environment, then -e files in order, then the vault, then vsync's own
// variables. With PreserveAll/Preserve the process environment's value is
// kept for the keys it has. ${VAR} in a dotenv resolves against its own
// earlier keys, then everything below it, never a scrubbed key of another
// layer. VSYNC_CONFIG* and VSYNC_PASSPHRASE* are removed whatever their
// layer, and CREDENTIALS_DIRECTORY of the process too when vsync's own
// secrets are in it (credentialsHoldVsyncSecrets). The result is sorted by
// key.
func composeEnv(l envLayers) ([]envVar, error) {
	var s envSet
	for _, kv := range l.Defaults {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usageErrorf("--default %q: want KEY=VALUE", k)
		}
		s.set(envVar{Key: k, Value: v, Source: srcDefault})
	}
	process := map[string]string{}
	dropCreds := credentialsHoldVsyncSecrets(l.Process)
	for _, kv := range l.Process {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" || k == credentialsDirVar && dropCreds {
			continue
		}
		process[k] = v
		s.set(envVar{Key: k, Value: v, Source: srcProcess})
	}
	preserved := func(k string) bool {
		_, inProcess := process[k]
		return inProcess && (l.PreserveAll || l.Preserve[k])
	}
	apply := func(name string, data []byte, src, from string) error {
		vars, err := vault.ParseDotenv(name, data, s.lookup)
		if err != nil {
			return err
		}
		for _, v := range vars {
			if preserved(v.Key) {
				continue
			}
			s.set(envVar{Key: v.Key, Value: v.Value, Source: src, From: from})
		}
		return nil
	}
	for _, f := range l.Files {
		if err := apply(f.Path, f.Data, srcFile, f.Path); err != nil {
			return nil, err
		}
	}
	if l.Vault != nil {
		if err := apply(l.VaultName, l.Vault, srcVault, ""); err != nil {
			return nil, err
		}
	}
	for _, v := range l.Extra {
		s.set(v)
	}
	out := make([]envVar, 0, len(s.order))
	for _, k := range s.order {
		if isScrubbed(k) {
			continue
		}
		out = append(out, s.vars[k])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// credentialsDirVar is where systemd tells a service its credentials are
// (LoadCredential=, the units of `vsync export systemd`).
const credentialsDirVar = "CREDENTIALS_DIRECTORY"

// credentialsHoldVsyncSecrets reports whether VSYNC_CONFIG_FILE or
// VSYNC_PASSPHRASE_FILE of the process environment env names a file in
// $CREDENTIALS_DIRECTORY: vsync then keeps that variable from the child,
// which should not be shown where vsync's token and passphrase are. (The
// files stay readable to a child of the same user that knows the path:
// README, "Security".)
func credentialsHoldVsyncSecrets(env []string) bool {
	vars := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	dir := vars[credentialsDirVar]
	if dir == "" {
		return false
	}
	for _, k := range []string{"VSYNC_CONFIG_FILE", "VSYNC_PASSPHRASE_FILE"} {
		if f := vars[k]; f != "" {
			if rel, err := filepath.Rel(filepath.Clean(dir), filepath.Clean(f)); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
				return true
			}
		}
	}
	return false
}

// environ turns composed variables into the exec form K=V.
func environ(vars []envVar) []string {
	env := make([]string, len(vars))
	for i, v := range vars {
		env[i] = v.Key + "=" + v.Value
	}
	return env
}

// readEnvFiles reads each -e file; a named file that is missing is an error
// (unlike Honcho, which skips it silently). With no -e and a dotenv path
// (such as ".env"), that file is read when it exists.
func readEnvFiles(paths []string, dotenv string) ([]envFile, error) {
	if len(paths) == 0 && dotenv != "" {
		data, err := os.ReadFile(dotenv)
		if err == nil {
			return []envFile{{Path: dotenv, Data: data}}, nil
		}
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	files := make([]envFile, 0, len(paths))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("env file %q: %w", p, err)
		}
		files = append(files, envFile{Path: p, Data: data})
	}
	return files, nil
}
