package vault

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

func TestSealOpenRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts SealOptions
	}{
		{"iterated", testOpts},
		{"salted", SealOptions{HighEntropy: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := sampleBundle()
			ct, sum, err := Seal(b, []byte(testPass), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got, sum2, err := Open(bytes.NewReader(ct), []byte(testPass), ReadOptions{Size: int64(len(ct))})
			if err != nil {
				t.Fatal(err)
			}
			if sum != sum2 {
				t.Errorf("payload SHA-256 differs between Seal and Open")
			}
			sameFiles(t, got.Files, b.Files)
			if !got.Manifest.Created.Equal(b.Manifest.Created) || got.Manifest.Note != b.Manifest.Note {
				t.Errorf("manifest fields differ")
			}
		})
	}
}

// TestDecryptSize: the bundle's size, when given, must be its true size:
// unknown (0) and exact sizes open; a size smaller than what the literal
// packet's length fields claim is refused as tampering, and one over the
// limit as too large, before anything is read.
func TestDecryptSize(t *testing.T) {
	payload := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	var ct bytes.Buffer
	if err := Encrypt(&ct, payload, []byte(testPass), testOpts); err != nil {
		t.Fatal(err)
	}
	n := int64(ct.Len())
	for _, size := range []int64{0, n} {
		got, err := Decrypt(bytes.NewReader(ct.Bytes()), []byte(testPass), ReadOptions{Size: size})
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if !bytes.Equal(got, payload) {
			t.Fatalf("size %d: value mismatch", size)
		}
	}
	if _, err := Decrypt(bytes.NewReader(ct.Bytes()), []byte(testPass), ReadOptions{Size: 100}); !errors.Is(err, ErrIntegrity) {
		t.Errorf("size 100 for a %d-byte bundle: %v, want ErrIntegrity", n, err)
	}
	var se *SizeError
	_, err := Decrypt(failReader{}, []byte(testPass), ReadOptions{Size: n, MaxSize: n - 1})
	if !errors.As(err, &se) || se.Size != n || se.Limit != n-1 || !errors.Is(err, ErrTooLarge) {
		t.Errorf("size %d over a limit of %d: %v, want a *SizeError naming both", n, n-1, err)
	}
}

// failReader fails the test's expectations if read at all.
type failReader struct{}

func (failReader) Read([]byte) (int, error) { return 0, errors.New("read although refused") }

// TestPacketStructure checks the wire format: exactly one SKESK v4 packet
// (AES-256, SHA-256 S2K of the right kind), then one SEIPDv1 packet, then
// nothing.
func TestPacketStructure(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    SealOptions
		s2kType byte
	}{
		{"iterated", SealOptions{}, s2kIterated},
		{"salted", SealOptions{HighEntropy: true}, s2kSalted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ct bytes.Buffer
			if err := Encrypt(&ct, []byte("payload"), []byte(testPass), tc.opts); err != nil {
				t.Fatal(err)
			}
			// Raw SKESK body: version, cipher, S2K type, hash, salt, [count].
			op, err := packet.NewOpaqueReader(bytes.NewReader(ct.Bytes())).Next()
			if err != nil {
				t.Fatal(err)
			}
			c := op.Contents
			if op.Tag != tagSKESK || c[0] != 4 || c[1] != cipherAES256 || c[2] != tc.s2kType || c[3] != hashSHA256 {
				t.Fatalf("SKESK header = tag %d % x", op.Tag, c[:4])
			}
			if tc.s2kType == s2kIterated && c[12] != 224 { // 224 encodes 16,777,216
				t.Errorf("iterated S2K count byte = %d, want 224", c[12])
			}
			r := bytes.NewReader(ct.Bytes())
			var kinds []string
			for {
				p, err := packet.Read(r)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				switch p := p.(type) {
				case *packet.SymmetricKeyEncrypted:
					if p.Version != 4 || p.CipherFunc != packet.CipherAES256 {
						t.Errorf("SKESK version %d cipher %d", p.Version, p.CipherFunc)
					}
					kinds = append(kinds, "SKESK")
				case *packet.SymmetricallyEncrypted:
					if !p.IntegrityProtected || p.Version != 1 {
						t.Errorf("SEIPD integrity %v version %d", p.IntegrityProtected, p.Version)
					}
					kinds = append(kinds, "SEIPDv1")
					io.Copy(io.Discard, p.Contents)
				default:
					kinds = append(kinds, "other")
				}
			}
			if strings.Join(kinds, ",") != "SKESK,SEIPDv1" {
				t.Errorf("packets = %v, want SKESK,SEIPDv1", kinds)
			}
		})
	}
}

func TestWrongPassphrase(t *testing.T) {
	for _, opts := range []SealOptions{testOpts, {HighEntropy: true}} {
		ct, _, err := Seal(sampleBundle(), []byte(testPass), opts)
		if err != nil {
			t.Fatal(err)
		}
		// Many wrong passphrases, so that the 1-in-256 case where the
		// session key decrypts by chance is exercised too.
		for i := 0; i < 600; i++ {
			wrong := []byte("wrong-" + strings.Repeat("x", i%40) + string(rune('a'+i%26)) + string(rune(i)))
			_, _, err := Open(bytes.NewReader(ct), wrong, ReadOptions{})
			if !errors.Is(err, ErrWrongPassphrase) {
				t.Fatalf("wrong passphrase %d: err = %v, want ErrWrongPassphrase", i, err)
			}
			if strings.Contains(err.Error(), string(wrong)) || strings.Contains(err.Error(), testPass) {
				t.Fatalf("error mentions a passphrase")
			}
		}
	}
}

func TestTamperAndTruncate(t *testing.T) {
	ct, _, err := Seal(sampleBundle(), []byte(testPass), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, data []byte) {
		t.Helper()
		_, _, err := Open(bytes.NewReader(data), []byte(testPass), ReadOptions{})
		if err == nil {
			t.Errorf("%s: accepted", what)
			return
		}
		// A flip that garbles a partial length into a claim over the
		// maximum bundle size is refused as too large, by design before
		// the MDC is reached.
		if !errors.Is(err, ErrIntegrity) && !errors.Is(err, ErrWrongPassphrase) && !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: err = %v, want ErrIntegrity, ErrWrongPassphrase or ErrTooLarge", what, err)
		}
		for _, secret := range []string{"CANARY", testPass} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("%s: error leaks a secret", what)
			}
		}
	}
	// Flip bits in every region: headers, S2K, session key, prefix, body, MDC.
	positions := []int{0, 1, 2, 3, 5, 10, 14, 20, 30, 40, 45, 50, 60, 70, 100, 500, len(ct) / 2, len(ct) - 30, len(ct) - 22, len(ct) - 10, len(ct) - 1}
	for _, pos := range positions {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			bad := bytes.Clone(ct)
			bad[pos] ^= mask
			check(fmt.Sprintf("flip %d/%d mask %x", pos, len(ct), mask), bad)
		}
	}
	// Body flips must be reported as integrity failures, not passphrase.
	for _, pos := range []int{len(ct) / 2, len(ct) - 30, len(ct) - 5} {
		bad := bytes.Clone(ct)
		bad[pos] ^= 1
		if _, err := Decrypt(bytes.NewReader(bad), []byte(testPass), ReadOptions{}); !errors.Is(err, ErrIntegrity) && !errors.Is(err, ErrTooLarge) {
			t.Errorf("flip at %d: err = %v, want ErrIntegrity", pos, err)
		}
	}
	for _, n := range []int{0, 1, 2, 10, 30, 50, 60, 100, len(ct) / 2, len(ct) - 23, len(ct) - 22, len(ct) - 1} {
		check("truncate", ct[:n])
	}
	check("trailing garbage", append(bytes.Clone(ct), 0xC3, 0x01))
	check("garbage", bytes.Repeat([]byte{0xAB}, 300))
}

func TestEncryptRejectsNothingSilently(t *testing.T) {
	_, err := Decrypt(strings.NewReader(""), []byte(testPass), ReadOptions{})
	if !errors.Is(err, ErrIntegrity) {
		t.Fatalf("empty input: %v", err)
	}
}

// TestWrongPassphraseQuickCheck covers the 1-in-256 case where a wrong
// passphrase decrypts the session key packet to a plausible AES-256 key:
// the MDC fails, and the quick-check bytes must still call it a wrong
// passphrase rather than tampering.
func TestWrongPassphraseQuickCheck(t *testing.T) {
	var ct bytes.Buffer
	if err := Encrypt(&ct, bytes.Repeat([]byte("CANARY"), 1000), []byte(testPass), SealOptions{HighEntropy: true}); err != nil {
		t.Fatal(err)
	}
	p, err := packet.Read(bytes.NewReader(ct.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	ske := p.(*packet.SymmetricKeyEncrypted)
	for i := 0; i < 20000; i++ {
		wrong := []byte("wrong-" + strconv.Itoa(i))
		if _, _, err := ske.Decrypt(wrong); err != nil {
			continue
		}
		_, err := Decrypt(bytes.NewReader(ct.Bytes()), wrong, ReadOptions{})
		if !errors.Is(err, ErrWrongPassphrase) {
			t.Fatalf("err = %v, want ErrWrongPassphrase", err)
		}
		return
	}
	t.Fatal("no wrong passphrase passed the session key check")
}
