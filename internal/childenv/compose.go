package childenv

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"vsync/vault"
)

// ErrBadDefault: a --default that is not KEY=VALUE.
var ErrBadDefault = errors.New("want KEY=VALUE")

// Layers are the sources of a child's environment, lowest precedence first.
type Layers struct {
	Defaults    []string     // K=V from --default
	Process     []string     // os.Environ() of vsync
	DotenvFiles []DotenvFile // -e files, in order (or the default .env)
	// Vault is the raw content of the env's dotenv inside the bundle, nil
	// when there is no vault.
	Vault     []byte
	VaultName string // for errors: "vault:prod/.env.prod"
	// PreserveAll lets the process environment win over files and vault;
	// Preserve does so for the named keys only.
	PreserveAll bool
	Preserve    map[string]bool
	// Extra are set last, by vsync itself (VSYNC_ENV, *_FILE pointers).
	Extra []Var
}

// varSet is an ordered map of variables.
type varSet struct {
	vars  map[string]Var
	order []string
}

func (s *varSet) set(v Var) {
	if s.vars == nil {
		s.vars = map[string]Var{}
	}
	if _, ok := s.vars[v.Key]; !ok {
		s.order = append(s.order, v.Key)
	}
	s.vars[v.Key] = v
}

// lookup resolves ${K} for a dotenv. A scrubbed key resolves to nothing,
// whatever layer set it: a line LEAK=${VSYNC_PASSPHRASE} in a vault or an
// -e file must not hand the child what vsync keeps from it.
func (s *varSet) lookup(k string) (string, bool) {
	if IsScrubbed(k) {
		return "", false
	}
	v, ok := s.vars[k]
	return v.Value, ok
}

// compose merges the layers by precedence: defaults, then the process
// environment, then -e files in order, then the vault, then vsync's own
// variables. With PreserveAll/Preserve the process environment's value is
// kept for the keys it has. ${VAR} in a dotenv resolves against its own
// earlier keys, then everything below it, never a scrubbed key of another
// layer. VSYNC_CONFIG* and VSYNC_PASSPHRASE* are removed whatever their
// layer, and CREDENTIALS_DIRECTORY of the process too when vsync's own
// secrets are in it (credentialsHoldVsyncSecrets). The result is sorted by
// key. A default that is not K=V is ErrBadDefault; a dotenv that does not
// parse is a *vault.SyntaxError.
func (l Layers) compose() ([]Var, error) {
	var s varSet
	for _, kv := range l.Defaults {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--default %q: %w", k, ErrBadDefault)
		}
		s.set(Var{Key: k, Value: v, Source: SourceDefault})
	}
	process := map[string]string{}
	dropCreds := credentialsHoldVsyncSecrets(l.Process)
	for _, kv := range l.Process {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" || k == credentialsDirVar && dropCreds {
			continue
		}
		process[k] = v
		s.set(Var{Key: k, Value: v, Source: SourceProcess})
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
			s.set(Var{Key: v.Key, Value: v.Value, Source: src, From: from})
		}
		return nil
	}
	for _, f := range l.DotenvFiles {
		if err := apply(f.Path, f.Data, SourceFile, f.Path); err != nil {
			return nil, err
		}
	}
	if l.Vault != nil {
		if err := apply(l.VaultName, l.Vault, SourceVault, ""); err != nil {
			return nil, err
		}
	}
	for _, v := range l.Extra {
		s.set(v)
	}
	out := make([]Var, 0, len(s.order))
	for _, k := range s.order {
		if IsScrubbed(k) {
			continue
		}
		out = append(out, s.vars[k])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}
