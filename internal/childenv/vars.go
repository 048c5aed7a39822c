package childenv

// Var is one variable of a child's environment and where it came from.
type Var struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Source string `json:"source"`
	From   string `json:"from,omitempty"` // the dotenv file's path, for SourceFile
}

// Sources of a child's variables, lowest precedence first. `vsync env`
// prints them next to each key.
const (
	SourceDefault = "default"
	SourceProcess = "process"
	SourceFile    = "env file"
	SourceVault   = "vault"
	SourceVsync   = "vsync" // VSYNC_ENV, VSYNC_GENERATION and *_FILE pointers
)

// The variables that unlock the vault: never passed to a child
// (scrubbed).
const (
	configVar         = "VSYNC_CONFIG"
	configFileVar     = "VSYNC_CONFIG_FILE"
	passphraseVar     = "VSYNC_PASSPHRASE"
	passphraseFileVar = "VSYNC_PASSPHRASE_FILE"
)

// Variables vsync sets in a child besides the NAME_FILE pointers.
const (
	envNameVar    = "VSYNC_ENV"        // the env, empty in the dotenv-only mode
	generationVar = "VSYNC_GENERATION" // the vault's generation
	// StatusSocketVar names the status socket of the vsync that started
	// the child (Composer.StatusSocket).
	StatusSocketVar = "VSYNC_STATUS_SOCKET"
)

// ScrubbedVars are the variables vsync never passes to a child: they
// unlock the vault.
func ScrubbedVars() []string {
	return []string{configVar, configFileVar, passphraseVar, passphraseFileVar}
}

// SecretVars are the scrubbed variables whose values are themselves
// secrets (not paths).
func SecretVars() []string { return []string{configVar, passphraseVar} }

// IsScrubbed reports whether key is one of ScrubbedVars.
func IsScrubbed(key string) bool {
	switch key {
	case configVar, configFileVar, passphraseVar, passphraseFileVar:
		return true
	}
	return false
}

// Environ turns composed variables into the exec form K=V.
func Environ(vars []Var) []string {
	env := make([]string, len(vars))
	for i, v := range vars {
		env[i] = v.Key + "=" + v.Value
	}
	return env
}

// WithoutKeys returns env (K=V entries) without the entries for keys.
func WithoutKeys(env []string, keys ...string) []string {
	out := make([]string, 0, len(env)+len(keys))
next:
	for _, kv := range env {
		for _, k := range keys {
			if len(kv) > len(k) && kv[len(k)] == '=' && kv[:len(k)] == k {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}
