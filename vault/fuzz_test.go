package vault

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

const fuzzCanary = "CANARY-fuzz-9d1e"

func FuzzParseDotenv(f *testing.F) {
	for _, s := range []string{
		"A=b", "export A=b #c", "A='x\ny'", "A=\"a\\n${B}$C\\$\"", "A=${", "\ufeffA=1\r\nB=2",
		"A=" + fuzzCanary, "A=\"" + fuzzCanary, "A='" + fuzzCanary, "A=\"" + fuzzCanary + "\"x",
		"A=" + fuzzCanary + "${B", "=" + fuzzCanary, "# " + fuzzCanary + "\nA",
		"A=${SECRET:-" + fuzzCanary + "}", "A=\"${X-${SECRET:+$SECRET}}\"", "A=${X:?" + fuzzCanary + "}",
		"A=\\$SECRET\\", "A=${X:-${Y:-" + fuzzCanary,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		vars, err := ParseDotenv("f.env", data, func(k string) (string, bool) { return fuzzCanary, k == "SECRET" })
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error is not a *SyntaxError")
			}
			if se.Line < 1 || !strings.HasPrefix(err.Error(), "f.env:") {
				t.Fatalf("bad error position %d", se.Line)
			}
			if strings.Contains(err.Error(), fuzzCanary) {
				t.Fatal("error contains the planted canary")
			}
			return
		}
		seen := map[string]bool{}
		for _, v := range vars {
			if seen[v.Key] || v.Key == "" || v.Line < 1 {
				t.Fatalf("bad var: duplicate or empty key, line %d", v.Line)
			}
			seen[v.Key] = true
		}
	})
}

func FuzzParsePayload(f *testing.F) {
	if p, err := MarshalPayload(sampleBundle()); err == nil {
		f.Add(p)
	}
	empty := &Bundle{Manifest: NewManifest(Manifest{Env: "x"}, nil)}
	if p, err := MarshalPayload(empty); err == nil {
		f.Add(p)
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParsePayload(data)
		if err != nil {
			if !errors.Is(err, ErrManifest) && !errors.Is(err, ErrUnsafePath) {
				t.Fatalf("error wraps no sentinel")
			}
			return
		}
		again, err := MarshalPayload(b)
		if err != nil {
			t.Fatalf("accepted payload does not re-marshal: %v", err)
		}
		if !bytes.Equal(again, data) {
			t.Fatal("accepted payload re-marshals differently")
		}
	})
}

// hostileFuzzSeed is ct with the ciphertext byte that covers the literal
// packet's first length octet XORed to turn 0xF0 into octet (as hostile
// does, without its checks) and 64 KiB of filler re-framed into the SEIPD
// packet.
func hostileFuzzSeed(ct []byte, octet byte) []byte {
	start, body, err := splitSEIPD(ct)
	if err != nil {
		return nil
	}
	body = append(body, make([]byte, 64<<10)...)
	body[1+19] ^= 0xF0 ^ octet
	out := append([]byte{}, ct[:start]...)
	out = binary.BigEndian.AppendUint32(append(out, 0xD2, 0xFF), uint32(len(body)))
	return append(out, body...)
}

func FuzzDecrypt(f *testing.F) {
	for _, opts := range []SealOptions{testOpts, {HighEntropy: true}} {
		var ct bytes.Buffer
		if err := Encrypt(&ct, []byte("payload "+fuzzCanary), []byte(testPass), opts); err == nil {
			f.Add(ct.Bytes())
		}
	}
	// Bundles whose literal length a bucket writer flipped (the size
	// checks), with filler behind.
	big := bytes.Repeat([]byte(fuzzCanary), 8<<10)
	var ct bytes.Buffer
	if err := Encrypt(&ct, big, []byte(testPass), testOpts); err == nil {
		for _, octet := range []byte{0xFE, 0xF6, 0xE9, 0xFF, 0x10} {
			f.Add(hostileFuzzSeed(ct.Bytes(), octet))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// With the size known, and with none but a limit below it.
		for _, o := range []ReadOptions{{Size: int64(len(data))}, {MaxSize: int64(len(data)/2 + 1024)}} {
			out, err := Decrypt(bytes.NewReader(data), []byte(testPass), o)
			if err != nil {
				if !errors.Is(err, ErrIntegrity) && !errors.Is(err, ErrWrongPassphrase) && !errors.Is(err, ErrTooLarge) {
					t.Fatalf("error wraps no sentinel")
				}
				if strings.Contains(err.Error(), fuzzCanary) {
					t.Fatal("error contains content")
				}
				continue
			}
			if int64(len(out)) > o.limit() {
				t.Fatalf("payload of %d bytes over the limit %d", len(out), o.limit())
			}
		}
	})
}
