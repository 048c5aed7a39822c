package vault

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"vsync/internal/testpgp"
)

// TestRewrap: for each kind of old and new passphrase, the rewrapped
// message opens with the new passphrase only, to the same payload, holds
// one SKESK with the S2K the new passphrase calls for, and keeps the data
// packet byte for byte.
func TestRewrap(t *testing.T) {
	gen, err := GeneratePassphrase()
	if err != nil {
		t.Fatal(err)
	}
	gen2, err := GeneratePassphrase()
	if err != nil {
		t.Fatal(err)
	}
	human := "a different passphrase, chosen"
	for _, tc := range []struct {
		name         string
		old, new     string
		oldOpts, opt SealOptions
		s2kType      byte
	}{
		{"human-to-generated", testPass, gen, testOpts, SealOptions{HighEntropy: true}, s2kSalted},
		{"generated-to-human", gen, human, SealOptions{HighEntropy: true}, testOpts, s2kIterated},
		{"human-to-human", testPass, human, testOpts, testOpts, s2kIterated},
		{"generated-to-generated", gen, gen2, SealOptions{HighEntropy: true}, SealOptions{HighEntropy: true}, s2kSalted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := sampleBundle()
			ct, sum, err := Seal(b, []byte(tc.old), tc.oldOpts)
			if err != nil {
				t.Fatal(err)
			}
			orig := append([]byte{}, ct...)
			out, err := Rewrap(ct, []byte(tc.old), []byte(tc.new), tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ct, orig) {
				t.Fatal("Rewrap modified its input")
			}
			_, got, err := Open(bytes.NewReader(out), []byte(tc.new), ReadOptions{})
			if err != nil {
				t.Fatalf("new passphrase: %v", err)
			}
			if got != sum {
				t.Fatal("payload changed")
			}
			if _, err := Decrypt(bytes.NewReader(out), []byte(tc.old), ReadOptions{}); !errors.Is(err, ErrWrongPassphrase) {
				t.Fatalf("old passphrase on the rewrapped message: %v, want ErrWrongPassphrase", err)
			}
			if tags := testpgp.PacketTags(t, out); len(tags) != 2 || tags[0] != tagSKESK || tags[1] != 18 {
				t.Fatalf("packets %v, want one SKESK (3) and one SEIPD (18)", tags)
			}
			skesk, rest := testpgp.SplitMessage(t, out)
			_, origRest := testpgp.SplitMessage(t, orig)
			if !bytes.Equal(rest, origRest) {
				t.Fatal("data packets changed")
			}
			if skesk[0] != skeskVersion || skesk[1] != cipherAES256 || skesk[2] != tc.s2kType || skesk[3] != hashSHA256 {
				t.Fatalf("new SKESK header % x", skesk[:4])
			}
		})
	}
}

// TestRewrapTwice: a message rewrapped again and back still opens, and
// its data packet never changes.
func TestRewrapTwice(t *testing.T) {
	ct, _, err := Seal(sampleBundle(), []byte(testPass), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Rewrap(ct, []byte(testPass), []byte("second passphrase!"), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Rewrap(a, []byte("second passphrase!"), []byte(testPass), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decrypt(bytes.NewReader(b), []byte(testPass), ReadOptions{}); err != nil {
		t.Fatal(err)
	}
	_, r0 := testpgp.SplitMessage(t, ct)
	_, r2 := testpgp.SplitMessage(t, b)
	if !bytes.Equal(r0, r2) {
		t.Fatal("data packets changed")
	}
}

// TestRewrapRejects: a wrong old passphrase, a damaged or truncated
// message give the package's errors, no output, and no secret in the text.
func TestRewrapRejects(t *testing.T) {
	ct, _, err := Seal(sampleBundle(), []byte(testPass), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	newPass := []byte("CANARY new passphrase")
	check := func(name string, data, old []byte, want error) {
		t.Helper()
		out, err := Rewrap(data, old, newPass, testOpts)
		if !errors.Is(err, want) {
			t.Fatalf("%s: %v, want %v", name, err, want)
		}
		if out != nil {
			t.Fatalf("%s: output on error", name)
		}
		for _, s := range []string{"CANARY", testPass, string(old)} {
			if strings.Contains(err.Error(), s) {
				t.Fatalf("%s: error names a secret", name)
			}
		}
	}
	check("wrong passphrase", ct, []byte("xyzzy-not-it-0451"), ErrWrongPassphrase)
	check("empty", nil, []byte(testPass), ErrIntegrity)
	check("truncated", ct[:len(ct)-1], []byte(testPass), ErrIntegrity)
	check("trailing", append(append([]byte{}, ct...), 0), []byte(testPass), ErrIntegrity)
	tampered := append([]byte{}, ct...)
	tampered[len(tampered)-5] ^= 1 // inside the MDC
	check("tampered data", tampered, []byte(testPass), ErrIntegrity)
	two := append(append([]byte{}, ct[:len(ct)-len(mustRest(t, ct))]...), ct...)
	check("two passphrase packets", two, []byte(testPass), ErrIntegrity)
}

func mustRest(t *testing.T, ct []byte) []byte {
	_, rest := testpgp.SplitMessage(t, ct)
	return rest
}

// TestGPGDecryptsRewrapped: stock gpg reads a rewrapped message with the new
// passphrase and refuses it with the old one.
func TestGPGDecryptsRewrapped(t *testing.T) {
	gpg := needGPG(t)
	gen, err := GeneratePassphrase()
	if err != nil {
		t.Fatal(err)
	}
	b := sampleBundle()
	ct, _, err := Seal(b, []byte(testPass), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Rewrap(ct, []byte(testPass), []byte(gen), SealOptions{HighEntropy: true})
	if err != nil {
		t.Fatal(err)
	}
	payload, err := MarshalPayload(b)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	home := filepath.Join(dir, "gnupg")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"b.pgp": out, "new": []byte(gen + "\n"), "old": []byte(testPass + "\n")} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	gpgd := func(pf string) ([]byte, error) {
		cmd := exec.Command(gpg, "--batch", "--pinentry-mode", "loopback", "--passphrase-file", pf, "-d", "b.pgp")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GNUPGHOME="+home)
		return cmd.Output()
	}
	got, err := gpgd("new")
	if err != nil {
		t.Fatalf("gpg with the new passphrase: %v", err)
	}
	if !bytes.Equal(got, payload) {
		t.Fatal("gpg's output differs from the payload")
	}
	if _, err := gpgd("old"); err == nil {
		t.Fatal("gpg decrypted the rewrapped message with the old passphrase")
	}
}

func FuzzRewrap(f *testing.F) {
	for _, opts := range []SealOptions{testOpts, {HighEntropy: true}} {
		var ct bytes.Buffer
		if err := Encrypt(&ct, []byte("payload "+fuzzCanary), []byte(testPass), opts); err == nil {
			f.Add(ct.Bytes())
		}
	}
	newPass := []byte("fuzz new passphrase")
	f.Fuzz(func(t *testing.T, data []byte) {
		in := append([]byte{}, data...)
		out, err := Rewrap(data, []byte(testPass), newPass, SealOptions{S2KCount: 1024})
		if !bytes.Equal(in, data) {
			t.Fatal("Rewrap modified its input")
		}
		if err != nil {
			// A length field claiming more than the maximum bundle size
			// is refused as too large before anything is read.
			if !errors.Is(err, ErrIntegrity) && !errors.Is(err, ErrWrongPassphrase) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			if strings.Contains(err.Error(), fuzzCanary) {
				t.Fatal("error contains content")
			}
			return
		}
		got, err := Decrypt(bytes.NewReader(out), newPass, ReadOptions{})
		if err != nil {
			t.Fatalf("rewrapped message does not open with the new passphrase: %v", err)
		}
		if want, err := Decrypt(bytes.NewReader(data), []byte(testPass), ReadOptions{}); err != nil || !bytes.Equal(got, want) {
			t.Fatal("rewrapped message opens to another payload")
		}
		_, r0 := testpgp.SplitMessage(t, data)
		_, r1 := testpgp.SplitMessage(t, out)
		if !bytes.Equal(r0, r1) {
			t.Fatal("data packets changed")
		}
	})
}

// BenchmarkRewrap times Rewrap alone: the old passphrase's S2K, the check
// of the whole message (decryption and MDC) and the new passphrase packet.
func BenchmarkRewrap(b *testing.B) {
	gen, err := GeneratePassphrase()
	if err != nil {
		b.Fatal(err)
	}
	gen2, err := GeneratePassphrase()
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name       string
		size       int
		old, new   string
		oldO, newO SealOptions
	}{
		{"20KB-salted", 20 << 10, gen, gen2, SealOptions{HighEntropy: true}, SealOptions{HighEntropy: true}},
		{"20MB-salted", 20 << 20, gen, gen2, SealOptions{HighEntropy: true}, SealOptions{HighEntropy: true}},
		{"20KB-iterated", 20 << 10, testPass, "another chosen passphrase", SealOptions{}, SealOptions{}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var ct bytes.Buffer
			if err := Encrypt(&ct, bytes.Repeat([]byte{'x'}, bc.size), []byte(bc.old), bc.oldO); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(ct.Len()))
			for b.Loop() {
				if _, err := Rewrap(ct.Bytes(), []byte(bc.old), []byte(bc.new), bc.newO); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
