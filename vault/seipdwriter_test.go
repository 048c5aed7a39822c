package vault

import (
	"bytes"
	"crypto/aes"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// sealKinds are the three ways a message's passphrase packet is made: a
// generated passphrase (salted S2K), a chosen one with a random salt
// (go-crypto's packet) and a chosen one with the clone's salt (writeSKESK).
var sealKinds = []struct {
	name string
	opts SealOptions
}{
	{"salted", SealOptions{HighEntropy: true}},
	{"iterated", testOpts},
	{"iterated-given-salt", SealOptions{S2KCount: 65536, Salt: []byte("8bytesal")}},
}

// detRand is a deterministic randomness source for the seed.
func detRand(seed byte) io.Reader {
	return rand.NewChaCha8([32]byte{seed})
}

// refLength is a new-format packet length (RFC 4880 section 4.2.2): one
// octet below 192, two below 8384, else 0xFF and four octets.
func refLength(n int) []byte {
	switch {
	case n <= 191:
		return []byte{byte(n)}
	case n <= 8383:
		return []byte{byte((n-192)/256 + 192), byte((n - 192) % 256)}
	default:
		return []byte{0xFF, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
	}
}

// referenceMessage is the message encryptWith writes, built from
// go-crypto's parts: its passphrase packet (SerializeSymmetricKeyEncrypted;
// writeSKESK for a given salt) and its OpenPGP CFB encrypter
// (NewOCFBEncrypter without resynchronisation, what its
// SerializeSymmetricallyEncrypted encrypts with), drawing from rnd in
// go-crypto's order (session key, salt, prefix), with the SEIPD and
// literal data packets framed with definite lengths, which go-crypto does
// not write for more than a few hundred bytes (it frames with partial
// lengths), and the MDC hashed here.
func referenceMessage(t *testing.T, rnd io.Reader, pass []byte, opts SealOptions, payload []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	var key []byte
	var err error
	if opts.Salt != nil {
		key = make([]byte, 32)
		if _, err := io.ReadFull(rnd, key); err != nil {
			t.Fatal(err)
		}
		err = writeSKESK(&out, key, pass, opts)
	} else {
		cfg := pgpConfig(opts)
		cfg.Rand = rnd
		key, err = packet.SerializeSymmetricKeyEncrypted(&out, pass, cfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	iv := make([]byte, aes.BlockSize)
	if _, err := io.ReadFull(rnd, iv); err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	stream, prefix := packet.NewOCFBEncrypter(block, iv, packet.OCFBNoResync)
	lit := append([]byte{0xCB}, refLength(6+len(payload))...)
	lit = append(lit, 'b', 0, 0, 0, 0, 0)
	lit = append(lit, payload...)
	mdc := sha1.New()
	mdc.Write(iv)
	mdc.Write(iv[14:])
	mdc.Write(lit)
	mdc.Write([]byte{0xD3, 0x14})
	pt := mdc.Sum(append(lit, 0xD3, 0x14))
	ct := make([]byte, len(pt))
	stream.XORKeyStream(ct, pt)
	body := append(append([]byte{1}, prefix...), ct...)
	out.WriteByte(0xD2)
	out.Write(refLength(len(body)))
	out.Write(body)
	return out.Bytes()
}

// goCryptoMessage is the message the vault wrote before its own encrypter:
// go-crypto's SymmetricallyEncrypt (with a given salt: writeSKESK, then
// go-crypto's SerializeSymmetricallyEncrypted and SerializeLiteral),
// drawing from rnd.
func goCryptoMessage(t *testing.T, rnd io.Reader, pass []byte, opts SealOptions, payload []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	cfg := pgpConfig(opts)
	cfg.Rand = rnd
	var pw io.WriteCloser
	var err error
	if opts.Salt != nil {
		key := make([]byte, 32)
		if _, err := io.ReadFull(rnd, key); err != nil {
			t.Fatal(err)
		}
		if err := writeSKESK(&out, key, pass, opts); err != nil {
			t.Fatal(err)
		}
		enc, err := packet.SerializeSymmetricallyEncrypted(&out, packet.CipherAES256, false, packet.CipherSuite{Cipher: packet.CipherAES256}, key, cfg)
		if err != nil {
			t.Fatal(err)
		}
		pw, err = packet.SerializeLiteral(enc, true, "", 0)
	} else {
		pw, err = openpgp.SymmetricallyEncrypt(&out, pass, &openpgp.FileHints{IsBinary: true}, cfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pw.Write(payload); err != nil {
		t.Fatal(err)
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// encryptSplit is encryptWith of payload written in pieces of random
// lengths (empty ones too) drawn from rng, the randomness from rnd.
func encryptSplit(t testing.TB, rnd io.Reader, rng *rand.Rand, pass []byte, opts SealOptions, payload []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	var sized int64 = -1
	err := encryptWith(&out, rnd, pass, opts, int64(len(payload)), func(n int64) error {
		if out.Len() != 0 {
			t.Error("told the size after writing")
		}
		sized = n
		return nil
	}, func(w io.Writer) error {
		for p := payload; len(p) > 0; {
			k := min(len(p), rng.IntN(3)*rng.IntN(70000))
			if n, err := w.Write(p[:k]); n != k || err != nil {
				return err
			}
			p = p[k:]
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if sized != int64(out.Len()) {
		t.Fatalf("told a size of %d, wrote %d", sized, out.Len())
	}
	return out.Bytes()
}

// TestSEIPDWriterMatchesGoCrypto: for the same passphrase and randomness,
// the message encryptWith writes is byte for byte go-crypto's, for each
// kind of passphrase packet and payload sizes around the AES block, the
// one- and two-octet lengths, the writer's output chunk and the side
// hashing's threshold: equal to what go-crypto's SymmetricallyEncrypt
// writes where that frames its packets with definite lengths too (up to
// 484 bytes), and to referenceMessage (go-crypto's encrypter, definite
// lengths) at every size. Our Decrypt and go-crypto's reader read it.
func TestSEIPDWriterMatchesGoCrypto(t *testing.T) {
	pass := []byte(testPass)
	rng := rand.New(rand.NewPCG(3, 4))
	sizes := []int{0, 1, 2, 15, 16, 17, 31, 32, 33, 100, 143, 144, 145, 185, 186, 187, 484, 485,
		486, 1000, 8332, 8333, 8334, 8377, 8378, 8379, seipdOutChunk - 60, seipdOutChunk - 59,
		seipdOutChunk - 30, seipdOutChunk, seipdOutChunk + 1, parallelHashMin - 1, parallelHashMin,
		3<<20 + 5}
	for _, kind := range sealKinds {
		for i, size := range sizes {
			payload := make([]byte, size)
			for j := range payload {
				payload[j] = byte(rng.Uint32())
			}
			seed := byte(i)
			got := encryptSplit(t, detRand(seed), rng, pass, kind.opts, payload)
			ref := referenceMessage(t, detRand(seed), pass, kind.opts, payload)
			if !bytes.Equal(got, ref) {
				d := 0
				for d < min(len(got), len(ref)) && got[d] == ref[d] {
					d++
				}
				t.Fatalf("%s, %d bytes: differs from the reference from byte %d on (%d against %d bytes)", kind.name, size, d, len(got), len(ref))
			}
			gc := goCryptoMessage(t, detRand(seed), pass, kind.opts, payload)
			if size <= 484 && !bytes.Equal(got, gc) {
				t.Fatalf("%s, %d bytes: differs from go-crypto's message", kind.name, size)
			}
			if size > 484 && bytes.Equal(got, gc) {
				t.Fatalf("%s, %d bytes: go-crypto used definite lengths; widen the equality", kind.name, size)
			}
			if size <= 484 || size == 3<<20+5 || size == parallelHashMin {
				readBoth(t, got, pass, payload)
			}
		}
	}
}

// readBoth decrypts ct with Decrypt and with go-crypto's ReadMessage,
// which both check the MDC, and compares the payloads with want.
func readBoth(t *testing.T, ct, pass, want []byte) {
	t.Helper()
	got, err := Decrypt(bytes.NewReader(ct), pass, ReadOptions{Size: int64(len(ct))})
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Decrypt of %d bytes: equal %v, %v", len(want), bytes.Equal(got, want), err)
	}
	md, err := openpgp.ReadMessage(bytes.NewReader(ct), nil, func([]openpgp.Key, bool) ([]byte, error) { return pass, nil }, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err = io.ReadAll(md.UnverifiedBody)
	if err != nil || !bytes.Equal(got, want) || !md.LiteralData.IsBinary || md.LiteralData.FileName != "" || md.LiteralData.Time != 0 {
		t.Fatalf("go-crypto's reader, %d bytes: equal %v, %v", len(want), bytes.Equal(got, want), err)
	}
}

// TestSEIPDWriterLength: a writer given more or fewer bytes than it was
// made for fails, and a message over the limit is refused by sealTo before
// a byte is written.
func TestSEIPDWriterLength(t *testing.T) {
	for _, n := range []int{9, 11} {
		err := encryptWith(io.Discard, detRand(1), []byte(testPass), testOpts, 10, nil, func(w io.Writer) error {
			_, err := w.Write(make([]byte, n))
			return err
		})
		if !errors.Is(err, errPayloadSize) {
			t.Errorf("%d bytes for 10: %v", n, err)
		}
	}
	b := sampleBundle()
	payload, err := MarshalPayload(b)
	if err != nil {
		t.Fatal(err)
	}
	ct, _, err := Seal(b, []byte(testPass), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	var told int64
	opts := testOpts
	opts.Sized = func(n int64) { told = n }
	for _, limit := range []int64{int64(len(payload)) + 40, int64(len(ct)) - 1} {
		opts.MaxSize = limit
		var out bytes.Buffer
		_, n, err := SealTo(&out, b, []byte(testPass), opts)
		var se *SizeError
		if !errors.As(err, &se) || se.What != "the bundle" || se.Size != int64(len(ct)) || n != 0 || out.Len() != 0 {
			t.Fatalf("limit %d: wrote %d bytes, %v", limit, out.Len(), err)
		}
	}
	opts.MaxSize = int64(len(ct))
	var out bytes.Buffer
	if _, n, err := SealTo(&out, b, []byte(testPass), opts); err != nil || n != int64(len(ct)) || told != n {
		t.Fatalf("at the limit: %d bytes, told %d, %v", n, told, err)
	}
	if size, ok := seipdSize(1 << 32); ok {
		t.Errorf("4 GiB of payload framed in %d bytes", size)
	}
	if size, ok := seipdSize(1<<32 - 70); !ok || size != 1<<32-70+6+1+5+1+18+22+1+5 {
		t.Errorf("the largest payload: %d bytes, %v", size, ok)
	}
}

// FuzzSEIPDWriter: any payload, written in any pieces, encrypts to
// referenceMessage's bytes and decrypts back to itself.
func FuzzSEIPDWriter(f *testing.F) {
	f.Add([]byte("A=b\n"), uint64(1), byte(0))
	f.Add(bytes.Repeat([]byte{0}, 300), uint64(7), byte(1))
	f.Add(bytes.Repeat([]byte("0123456789abcdef"), 600), uint64(99), byte(2))
	f.Fuzz(func(t *testing.T, payload []byte, split uint64, seed byte) {
		kind := sealKinds[int(seed)%len(sealKinds)]
		if kind.opts.Salt != nil {
			kind.opts.Keys = &KeyCache{} // one S2K per kind, not per input
		}
		pass := []byte(testPass)
		got := encryptSplit(t, detRand(seed), rand.New(rand.NewPCG(split, 0)), pass, kind.opts, payload)
		if !bytes.Equal(got, referenceMessage(t, detRand(seed), pass, kind.opts, payload)) {
			t.Fatalf("%s, %d bytes: differs from the reference", kind.name, len(payload))
		}
		out, err := Decrypt(bytes.NewReader(got), pass, ReadOptions{})
		if err != nil || !bytes.Equal(out, payload) {
			t.Fatalf("round trip of %d bytes: equal %v, %v", len(payload), bytes.Equal(out, payload), err)
		}
	})
}

// BenchmarkCFBEncrypt is the bulk CFB encryption alone, a 128 KiB chunk.
func BenchmarkCFBEncrypt(b *testing.B) {
	block, err := aes.NewCipher(make([]byte, 32))
	if err != nil {
		b.Fatal(err)
	}
	c := cfbEncrypter{b: block}
	src := make([]byte, seipdOutChunk)
	dst := make([]byte, len(src))
	binary.LittleEndian.PutUint64(src, 1)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		c.xor(dst, src)
	}
}
