package vault

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// needGPG returns gpg's path, or skips the test when it is not installed
// (fails it when VSYNC_TEST_REQUIRE_GPG is set).
func needGPG(t *testing.T) string {
	t.Helper()
	gpg, err := exec.LookPath("gpg")
	if err != nil {
		if os.Getenv("VSYNC_TEST_REQUIRE_GPG") != "" {
			t.Fatal("gpg not found")
		}
		t.Skip("gpg not installed")
	}
	return gpg
}

// TestGPGDecrypts checks the normative interop promise: stock gpg decrypts a
// bundle with the passphrase in a file, and tar extracts the files.
func TestGPGDecrypts(t *testing.T) {
	gpg := needGPG(t)
	if _, err := exec.LookPath("tar"); err != nil {
		t.Skip("tar not installed")
	}
	generated, err := GeneratePassphrase()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		pass string
		opts SealOptions
	}{
		{"iterated", testPass, testOpts},
		{"iterated-default-count", testPass, SealOptions{}},
		{"salted", generated, SealOptions{HighEntropy: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			home := filepath.Join(dir, "gnupg")
			if err := os.Mkdir(home, 0o700); err != nil {
				t.Fatal(err)
			}
			b := sampleBundle()
			ct, _, err := Seal(b, []byte(tc.pass), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			write := func(name string, data []byte) {
				if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			write("bundle.pgp", ct)
			write("pf", []byte(tc.pass+"\n"))
			run := func(name string, args ...string) {
				cmd := exec.Command(name, args...)
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), "GNUPGHOME="+home)
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				if err := cmd.Run(); err != nil {
					// gpg's own output names no secret value.
					t.Fatalf("%s %v: %v\n%s", name, args, err, out.Bytes())
				}
			}
			// The exact command of the spec.
			run(gpg, "--batch", "--passphrase-file", "pf", "-o", "s.tar", "-d", "bundle.pgp")
			payload, err := MarshalPayload(b)
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(dir, "s.tar"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, payload) {
				t.Fatal("gpg output: value mismatch with the payload")
			}
			run("tar", "-xf", "s.tar")
			for _, f := range b.Files {
				data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(data, f.Data) {
					t.Errorf("%q extracted by tar: value mismatch", f.Path)
				}
			}
		})
	}
}
