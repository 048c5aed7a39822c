package childenv

import (
	"errors"
	"strings"
	"testing"

	"vsync/vault"
)

// TestCheckStartable: each bundle that vsync run could not start from is
// refused, naming the files (both, for a collision) and the rule.
func TestCheckStartable(t *testing.T) {
	f := func(p string) vault.File { return vault.File{Path: p, Mode: 0o600, Data: []byte("x")} }
	long := strings.Repeat("d", 200)
	for _, tc := range []struct {
		name  string
		files []vault.File
		want  string // "" when accepted
	}{
		{"ok", []vault.File{f(".env.prod"), f("tls/x.crt"), f("gcp-sa.json"), f("sub/.env")}, ""},
		{"slash and underscore", []vault.File{f("tls/x.crt"), f("tls_x.crt")}, `files "tls/x.crt" and "tls_x.crt" both map to TLS_X_CRT_FILE`},
		{"dash and underscore", []vault.File{f("a-b"), f("a_b")}, `files "a-b" and "a_b" both map to A_B_FILE`},
		{"case", []vault.File{f("Key"), f("key")}, `files "Key" and "key" both map to KEY_FILE`},
		{"status socket", []vault.File{f(".vsync-status.sock")}, `".vsync-status.sock": names starting with ".vsync-" are vsync's own`},
		{"staged name deeper", []vault.File{f("tls/.vsync-new-0011")}, `"tls/.vsync-new-0011": names starting with ".vsync-"`},
		{"scrubbed variable", []vault.File{f("vsync_config")}, `file "vsync_config" maps to VSYNC_CONFIG_FILE, which vsync reserves`},
		{"scrubbed variable 2", []vault.File{f("VSYNC.passphrase")}, `maps to VSYNC_PASSPHRASE_FILE, which vsync reserves`},
		{"file and directory", []vault.File{f("a"), f("a/b")}, `"a" is a file, and "a/b" needs it to be a directory`},
		{"file and deeper directory", []vault.File{f("a"), f("a/b/c")}, `"a" is a file, and "a/b/c" needs it to be a directory`},
		{"long name", []vault.File{f(strings.Repeat("n", 256))}, `has a name of 256 bytes, more than the 255`},
		{"long path", []vault.File{f(strings.Join([]string{long, long, long, long, long, long}, "/"))}, `is 1205 bytes, more than the 1024`},
		{"dotenv sets a pointer", []vault.File{{Path: ".env.prod", Data: []byte("A=1\nGCP_SA_JSON_FILE=/x\n")}, f("gcp-sa.json")},
			`.env.prod (line 2) sets GCP_SA_JSON_FILE, the variable that points at file "gcp-sa.json"`},
		{"variable over 128 KiB", []vault.File{{Path: ".env.prod", Data: []byte("BIG=" + strings.Repeat("v", 128<<10) + "\n")}},
			`.env.prod (line 1): BIG is 131077 bytes, more than the 131072 execve takes for one variable (E2BIG)`},
		{"the env's dotenv is no private file", []vault.File{f(".env.prod"), f("env.prod")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckStartable("prod", tc.files)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && err == nil:
				t.Fatal("accepted")
			case tc.want != "" && (!strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrNotStartable)):
				t.Fatalf("got %v, want %q (ErrNotStartable)", err, tc.want)
			}
		})
	}
}
