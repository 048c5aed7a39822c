package childenv

import (
	"path/filepath"
	"strings"
)

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
	for _, k := range []string{configFileVar, passphraseFileVar} {
		if f := vars[k]; f != "" {
			if rel, err := filepath.Rel(filepath.Clean(dir), filepath.Clean(f)); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
				return true
			}
		}
	}
	return false
}
