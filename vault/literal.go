package vault

import (
	"encoding/binary"
	"io"
)

// literalWhat names the literal data packet's lengths in errors.
const literalWhat = "the literal data packet (as its length fields claim)"

// literalBody parses the header of the literal data packet (RFC 4880
// section 5.9) whose tag byte, already read, is tag, from r (the decrypted,
// not yet authenticated SEIPD contents), and returns a reader of its data,
// and the data's length when the packet has one definite length (else -1).
//
// Every length field (the definite length, or each partial length and
// their running total) is checked with o.checkClaim before a byte it
// covers is read: a length that a bucket writer flipped in the malleable
// CFB stream is refused at once, never used to size anything.
func literalBody(r io.Reader, tag byte, o ReadOptions) (io.Reader, int64, error) {
	lr := &lengthReader{r: r, o: o}
	switch {
	case tag == literalNewTag:
		if err := lr.next(); err != nil {
			return nil, 0, err
		}
	case tag&0xFC == literalOldTagMin:
		var n int64
		var b [4]byte
		switch tag & 3 {
		case 0:
			_, err := io.ReadFull(r, b[:1])
			n = int64(b[0])
			if err != nil {
				return nil, 0, integrityError("malformed literal data packet")
			}
		case 1:
			_, err := io.ReadFull(r, b[:2])
			n = int64(binary.BigEndian.Uint16(b[:2]))
			if err != nil {
				return nil, 0, integrityError("malformed literal data packet")
			}
		case 2:
			_, err := io.ReadFull(r, b[:4])
			n = int64(binary.BigEndian.Uint32(b[:4]))
			if err != nil {
				return nil, 0, integrityError("malformed literal data packet")
			}
		default: // indeterminate: to the end of the SEIPD contents
			lr.left, lr.indeterminate = 0, true
		}
		if !lr.indeterminate {
			if err := o.checkClaim(literalWhat, n); err != nil {
				return nil, 0, err
			}
			lr.left, lr.total = n, n
		}
	default:
		return nil, 0, integrityError("encrypted data is not a literal data packet")
	}
	// The body starts with the format, the file name and the date.
	var hdr [2]byte
	if _, err := io.ReadFull(lr, hdr[:]); err != nil {
		return nil, 0, integrityError("malformed literal data packet")
	}
	skip := int64(hdr[1]) + 4
	if _, err := io.CopyN(io.Discard, lr, skip); err != nil {
		return nil, 0, integrityError("malformed literal data packet")
	}
	size := int64(-1)
	if !lr.partial && !lr.indeterminate {
		size = lr.left
	}
	return lr, size, nil
}

// lengthReader reads the body of a packet whose length is given by a
// definite length, a sequence of partial lengths (RFC 4880 section
// 4.2.2.4), or nothing (to the end of r), checking each length it reads.
type lengthReader struct {
	r             io.Reader
	o             ReadOptions
	left          int64 // bytes left in the current chunk
	total         int64 // bytes claimed by the length fields read so far
	partial       bool  // the current chunk is followed by another length
	indeterminate bool
}

// next reads a new-format length and checks the running total.
func (l *lengthReader) next() error {
	var b [4]byte
	if _, err := io.ReadFull(l.r, b[:1]); err != nil {
		return integrityError("malformed literal data packet")
	}
	var n int64
	l.partial = false
	switch b0 := b[0]; {
	case b0 < 192:
		n = int64(b0)
	case b0 < 224:
		if _, err := io.ReadFull(l.r, b[1:2]); err != nil {
			return integrityError("malformed literal data packet")
		}
		n = int64(b0-192)<<8 + int64(b[1]) + 192
	case b0 == 255:
		if _, err := io.ReadFull(l.r, b[:4]); err != nil {
			return integrityError("malformed literal data packet")
		}
		n = int64(binary.BigEndian.Uint32(b[:4]))
	default:
		n = 1 << (b0 & 0x1F)
		l.partial = true
	}
	l.total += n
	if err := l.o.checkClaim(literalWhat, l.total); err != nil {
		return err
	}
	l.left = n
	return nil
}

func (l *lengthReader) Read(p []byte) (int, error) {
	if l.indeterminate {
		return l.r.Read(p)
	}
	for l.left == 0 {
		if !l.partial {
			return 0, io.EOF
		}
		if err := l.next(); err != nil {
			return 0, err
		}
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if err == io.EOF && l.left > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}
