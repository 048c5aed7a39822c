package testpgp

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// PacketTags lists the tags of the top-level packets of ct.
func PacketTags(t testing.TB, ct []byte) []uint8 {
	t.Helper()
	var tags []uint8
	r := packet.NewOpaqueReader(bytes.NewReader(ct))
	for {
		op, err := r.Next()
		if err == io.EOF {
			return tags
		}
		if err != nil {
			t.Fatal(err)
		}
		tags = append(tags, op.Tag)
	}
}

// SplitMessage returns the raw passphrase packet body of ct and every
// byte after the passphrase packet (the data packets).
func SplitMessage(t testing.TB, ct []byte) (skesk, rest []byte) {
	t.Helper()
	r := bytes.NewReader(ct)
	op, err := packet.NewOpaqueReader(r).Next()
	if err != nil {
		t.Fatal(err)
	}
	return op.Contents, ct[len(ct)-r.Len():]
}

// Dechunk is the body of a packet whose length octets start p (the bytes
// after its tag), joined from its partial lengths, and the bytes after
// the packet.
func Dechunk(p []byte) (body, after []byte) {
	for {
		b0 := p[0]
		var n int
		partial := false
		switch {
		case b0 < 192:
			n, p = int(b0), p[1:]
		case b0 < 224:
			n, p = int(b0-192)<<8+int(p[1])+192, p[2:]
		case b0 == 255:
			n, p = int(binary.BigEndian.Uint32(p[1:5])), p[5:]
		default:
			n, p, partial = 1<<(b0&0x1F), p[1:], true
		}
		body, p = append(body, p[:n]...), p[n:]
		if !partial {
			return body, p
		}
	}
}
