package childenv

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"vsync/launcher"
	"vsync/vault"
)

// ErrBadFileEnv: a --file-env that is not SRC=NAME.
var ErrBadFileEnv = errors.New("want SRC=NAME")

// ErrNoVaultFile: a --file-env SRC that is no file of the vault.
var ErrNoVaultFile = errors.New("the vault has no file")

// Composer composes the environment of a child from the layers of every
// source but the vault, for each generation of the vault it is given:
// `vsync run --watch` composes again for each new one.
type Composer struct {
	Layers  Layers   // every source but the vault (Vault, VaultName unset)
	FileEnv []string // --file-env SRC=NAME
	// StatusSocket, when not "", is the file name of vsync's status
	// socket in the private directory, which StatusSocketVar points at.
	StatusSocket string
}

// Compose is the child's environment with v (nil: none, the dotenv-only
// mode) as the vault: the layers of every other source, then the vault's
// dotenv, VSYNC_ENV (empty when v is nil), VSYNC_GENERATION,
// VSYNC_STATUS_SOCKET when there is a status socket, and a NAME_FILE
// pointer (and each --file-env name) for every file of v, at its path in
// dir ("<private>/PATH" when dir is nil: nothing written). It writes
// nothing.
func (c *Composer) Compose(v *Vault, dir *launcher.PrivateDir) ([]Var, error) {
	fileEnv, err := fileEnvNames(c.FileEnv, v)
	if err != nil {
		return nil, err
	}
	layers := c.Layers
	if v == nil {
		// VSYNC_ENV, empty, marks the child of a dotenv-only run: a
		// `vsync env` there has no socket to ask and masks every value.
		layers.Extra = append(slices.Clip(layers.Extra), Var{Key: envNameVar, Source: SourceVsync})
		return layers.compose()
	}
	layers.Vault = v.Dotenv
	if layers.Vault == nil {
		layers.Vault = []byte{}
	}
	layers.VaultName = "vault:" + v.Env + "/" + vault.DotenvPath(v.Env)
	layers.Extra = slices.Clip(layers.Extra)
	if c.StatusSocket != "" && dir != nil {
		layers.Extra = append(layers.Extra, Var{Key: StatusSocketVar, Value: dir.FilePath(c.StatusSocket), Source: SourceVsync})
	}
	layers.Extra = append(layers.Extra,
		Var{Key: envNameVar, Value: v.Env, Source: SourceVsync},
		Var{Key: generationVar, Value: strconv.FormatUint(v.Generation, 10), Source: SourceVsync})
	for _, f := range v.Files {
		where := "<private>/" + f.Path
		if dir != nil {
			where = dir.FilePath(f.Path)
		}
		layers.Extra = append(layers.Extra, Var{Key: launcher.EnvName(f.Path), Value: where, Source: SourceVsync})
		for _, name := range fileEnv[f.Path] {
			layers.Extra = append(layers.Extra, Var{Key: name, Value: where, Source: SourceVsync})
		}
	}
	return layers.compose()
}

// fileEnvNames parses --file-env SRC=NAME (ErrBadFileEnv) and checks that
// every SRC is a file of v (ErrNoVaultFile).
func fileEnvNames(specs []string, v *Vault) (map[string][]string, error) {
	m := map[string][]string{}
	for _, s := range specs {
		src, name, ok := strings.Cut(s, "=")
		src = path.Clean(strings.TrimPrefix(src, "./"))
		if !ok || src == "" || name == "" || strings.ContainsAny(name, "= \t\n") {
			return nil, fmt.Errorf("--file-env %q: %w", s, ErrBadFileEnv)
		}
		m[src] = append(m[src], name)
	}
	for src := range m {
		found := false
		if v != nil {
			for _, f := range v.Files {
				if f.Path == src {
					found = true
					break
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("--file-env: %w %q", ErrNoVaultFile, src)
		}
	}
	return m, nil
}
