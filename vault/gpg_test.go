package vault

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
		// One salt per clone (SealOptions.Salt), the packet vsync writes
		// itself rather than go-crypto.
		{"iterated-given-salt", testPass, SealOptions{S2KCount: 65536, Salt: []byte("8bytesal"), Keys: &KeyCache{}}},
		{"iterated-given-salt-default-count", testPass, SealOptions{Salt: []byte("\x00\xffsalt\x01\x02")}},
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

// TestDecryptsGPGMessages proves the bulk CFB decryption (seipdReader)
// byte-identical to OpenPGP's as gpg implements it: gpg encrypts payloads
// of sizes around the AES block and the decryption buffer (and a few MB,
// sent in partial-length chunks), and Decrypt returns exactly the payload;
// one flipped ciphertext bit in the data or in the MDC is refused.
func TestDecryptsGPGMessages(t *testing.T) {
	gpg := needGPG(t)
	dir := t.TempDir()
	home := filepath.Join(dir, "gnupg")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	pf := filepath.Join(dir, "pf")
	if err := os.WriteFile(pf, []byte(testPass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{0, 1, 15, 16, 17, 21, 22, 23, 4095, seipdChunk - 40, seipdChunk, seipdChunk + 17, 3<<20 + 5} {
		payload := make([]byte, size)
		rand.Read(payload)
		in := filepath.Join(dir, "payload")
		if err := os.WriteFile(in, payload, 0o600); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "payload.pgp")
		os.Remove(out)
		cmd := exec.Command(gpg, "--batch", "--passphrase-file", pf, "--symmetric", "--cipher-algo", "AES256",
			"--s2k-digest-algo", "SHA256", "--s2k-count", "65536", "--compress-algo", "none", "--force-mdc", "-o", out, in)
		cmd.Env = append(os.Environ(), "GNUPGHOME="+home)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("gpg: %v\n%s", err, msg)
		}
		ct, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, hint := range []int64{0, int64(len(ct))} {
			got, err := Decrypt(bytes.NewReader(ct), []byte(testPass), ReadOptions{Size: hint})
			if err != nil {
				t.Fatalf("size %d, hint %d: %v", size, hint, err)
			}
			if !bytes.Equal(got, payload) {
				t.Fatalf("size %d, hint %d: decrypted payload differs from gpg's input", size, hint)
			}
		}
		for _, at := range []int{len(ct) - 1, len(ct) - 30, len(ct) / 2} {
			if at < 80 {
				continue // inside the passphrase or packet headers
			}
			bad := bytes.Clone(ct)
			bad[at] ^= 1
			for _, hint := range []int64{0, int64(len(ct))} {
				if _, err := Decrypt(bytes.NewReader(bad), []byte(testPass), ReadOptions{Size: hint}); !errors.Is(err, ErrIntegrity) {
					t.Fatalf("size %d, hint %d, bit flipped at %d of %d: %v, want ErrIntegrity", size, hint, at, len(ct), err)
				}
			}
		}
	}
}

// TestGPGDecryptsSizes: stock gpg decrypts what Encrypt writes (definite
// lengths, the bulk CFB of seipdWriter) for each kind of passphrase
// packet and payload sizes around the one-, two- and five-octet lengths,
// the writer's output chunk and the side hashing of the MDC, and reports a
// valid MDC; with one ciphertext bit flipped it refuses the message.
func TestGPGDecryptsSizes(t *testing.T) {
	gpg := needGPG(t)
	dir := t.TempDir()
	home := filepath.Join(dir, "gnupg")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	pf := filepath.Join(dir, "pf")
	if err := os.WriteFile(pf, []byte(testPass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	in, out := filepath.Join(dir, "payload.pgp"), filepath.Join(dir, "payload")
	decrypt := func(ct []byte) ([]byte, string, error) {
		if err := os.WriteFile(in, ct, 0o600); err != nil {
			t.Fatal(err)
		}
		os.Remove(out)
		cmd := exec.Command(gpg, "--batch", "--status-fd", "2", "--passphrase-file", pf, "-o", out, "-d", in)
		cmd.Env = append(os.Environ(), "GNUPGHOME="+home)
		msg, err := cmd.CombinedOutput()
		if err != nil {
			return nil, string(msg), err
		}
		got, err := os.ReadFile(out)
		return got, string(msg), err
	}
	for _, kind := range sealKinds {
		for _, size := range []int{0, 1, 185, 186, 8377, 8378, seipdOutChunk + 1, 3<<20 + 5} {
			payload := make([]byte, size)
			rand.Read(payload)
			var ct bytes.Buffer
			if err := Encrypt(&ct, payload, []byte(testPass), kind.opts); err != nil {
				t.Fatal(err)
			}
			got, status, err := decrypt(ct.Bytes())
			if err != nil {
				t.Fatalf("%s, %d bytes: gpg: %v\n%s", kind.name, size, err, status)
			}
			if !bytes.Equal(got, payload) {
				t.Fatalf("%s, %d bytes: gpg's output differs from the payload", kind.name, size)
			}
			if !strings.Contains(status, "[GNUPG:] GOODMDC") {
				t.Fatalf("%s, %d bytes: gpg reports no good MDC:\n%s", kind.name, size, status)
			}
			bad := bytes.Clone(ct.Bytes())
			bad[len(bad)-1-size/2] ^= 1
			if _, _, err := decrypt(bad); err == nil {
				t.Fatalf("%s, %d bytes: gpg decrypted a flipped message", kind.name, size)
			}
		}
	}
}
