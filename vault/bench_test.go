package vault

import (
	"bytes"
	"crypto/rand"
	"testing"
)

func benchCiphertext(b *testing.B, size int, opts SealOptions) (payload, ct []byte) {
	payload = make([]byte, size)
	rand.Read(payload)
	var buf bytes.Buffer
	if err := Encrypt(&buf, payload, []byte(testPass), opts); err != nil {
		b.Fatal(err)
	}
	return payload, buf.Bytes()
}

// BenchmarkDecrypt20MB measures bulk decryption (AES-256 CFB + SHA-1 MDC).
func BenchmarkDecrypt20MB(b *testing.B) {
	payload, ct := benchCiphertext(b, 20<<20, SealOptions{HighEntropy: true})
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		out, err := Decrypt(bytes.NewReader(ct), []byte(testPass), ReadOptions{Size: int64(len(ct))})
		if err != nil || len(out) != len(payload) {
			b.Fatal("decrypt failed")
		}
	}
}

// BenchmarkDecrypt20KBSalted is the runtime's typical case: a small bundle
// under a generated passphrase.
func BenchmarkDecrypt20KBSalted(b *testing.B) {
	payload, ct := benchCiphertext(b, 20<<10, SealOptions{HighEntropy: true})
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decrypt(bytes.NewReader(ct), []byte(testPass), ReadOptions{Size: int64(len(ct))}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSealOpen20KB is a whole round trip of a 20 KB bundle with salted
// S2K: manifest, tar, encrypt, decrypt, parse and verify.
func BenchmarkSealOpen20KB(b *testing.B) {
	data := make([]byte, 20<<10)
	rand.Read(data)
	files := []File{{Path: ".env.prod", Mode: 0o600, Data: data[:4<<10]}, {Path: "sa.json", Mode: 0o600, Data: data[4<<10:]}}
	bundle := &Bundle{Manifest: NewManifest(Manifest{Env: "prod", Generation: 1}, files), Files: files}
	pass := []byte("vsp1-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		ct, _, err := Seal(bundle, pass, SealOptions{HighEntropy: true})
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := Open(bytes.NewReader(ct), pass, ReadOptions{Size: int64(len(ct))}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncrypt20MB measures bulk encryption.
func BenchmarkEncrypt20MB(b *testing.B) {
	payload := make([]byte, 20<<20)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	var buf bytes.Buffer
	buf.Grow(len(payload) + 1<<20)
	for b.Loop() {
		buf.Reset()
		if err := Encrypt(&buf, payload, []byte(testPass), SealOptions{HighEntropy: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpen20MB is Open of a 20 MB bundle of one file with its size
// known, as run (NoSum) and pull open current.pgp: decryption, the MDC,
// the payload's and the file's SHA-256 (hashed as decrypted), the checks.
func BenchmarkOpen20MB(b *testing.B) {
	data := make([]byte, 20<<20)
	rand.Read(data)
	files := []File{{Path: ".env.prod", Mode: 0o600, Data: []byte("A=1\n")}, {Path: "blob", Mode: 0o600, Data: data}}
	bundle := &Bundle{Manifest: NewManifest(Manifest{Env: "prod", Generation: 1}, files), Files: files}
	pass := []byte("vsp1-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	ct, _, err := Seal(bundle, pass, SealOptions{HighEntropy: true})
	if err != nil {
		b.Fatal(err)
	}
	for _, noSum := range []bool{true, false} {
		name := "pull"
		if noSum {
			name = "run"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := Open(bytes.NewReader(ct), pass, ReadOptions{Size: int64(len(ct)), NoSum: noSum}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSeal20MB is Seal of a bundle of one 20 MB file with a generated
// passphrase: tar, payload SHA-256, encryption and MDC.
func BenchmarkSeal20MB(b *testing.B) {
	data := make([]byte, 20<<20)
	rand.Read(data)
	files := []File{{Path: "blob", Mode: 0o600, Data: data}}
	bundle := &Bundle{Manifest: NewManifest(Manifest{Env: "prod", Generation: 1}, files), Files: files}
	pass := []byte("vsp1-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Seal(bundle, pass, SealOptions{HighEntropy: true, ManifestFresh: true}); err != nil {
			b.Fatal(err)
		}
	}
}
