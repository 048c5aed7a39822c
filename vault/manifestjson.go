package vault

import (
	"bytes"
	"io/fs"
	"strconv"
)

// readCanonicalManifest decodes js into m when js is laid out exactly as
// writePayload writes a manifest (MarshalIndent, two spaces, the fields in
// order, a newline after) and its strings hold only printable ASCII that
// JSON writes as it is (no '"', '\\', '<', '>' or '&'), its numbers only
// digits: for such input encoding/json gives the same manifest, at about
// a tenth of the cost. It reports false, m untouched, for anything else;
// the caller then decodes js with encoding/json, which gives the manifest
// or the error it gave before. Either way the payload's canonical form is
// checked after (parsePayload re-encodes the manifest with encoding/json).
func readCanonicalManifest(js []byte, m *Manifest) bool {
	p := canonJSON{s: js}
	var out Manifest
	p.lit("{\n  \"format\": ")
	out.Format = int(p.signed(strconv.IntSize))
	p.lit(",\n  \"env\": ")
	out.Env = p.str()
	p.lit(",\n  \"generation\": ")
	out.Generation = p.unsigned(64)
	p.lit(",\n  \"parent\": ")
	out.Parent = p.unsigned(64)
	if p.maybe(",\n  \"parent_sha256\": ") {
		out.ParentSHA256 = p.str()
	}
	p.lit(",\n  \"created\": ")
	if created := p.quoted(); !p.bad && out.Created.UnmarshalJSON(created) != nil {
		p.bad = true
	}
	p.lit(",\n  \"author\": ")
	out.Author = p.str()
	p.lit(",\n  \"note\": ")
	out.Note = p.str()
	p.lit(",\n  \"files\": ")
	switch {
	case p.maybe("null"):
	case p.maybe("[]"):
		out.Files = []FileEntry{}
	default:
		p.lit("[")
		for more := true; more && !p.bad; more = p.maybe(",") {
			var e FileEntry
			p.lit("\n    {\n      \"path\": ")
			e.Path = p.str()
			p.lit(",\n      \"mode\": ")
			e.Mode = fs.FileMode(p.unsigned(32))
			p.lit(",\n      \"size\": ")
			e.Size = p.signed(64)
			p.lit(",\n      \"sha256\": ")
			e.SHA256 = p.str()
			p.lit("\n    }")
			out.Files = append(out.Files, e)
		}
		p.lit("\n  ]")
	}
	p.lit("\n}\n")
	if p.bad || p.i != len(p.s) {
		return false
	}
	*m = out
	return true
}

// canonJSON reads s from i on; bad is set at the first thing that is not
// as expected, after which every read gives the zero value.
type canonJSON struct {
	s   []byte
	i   int
	bad bool
}

// maybe moves past lit when s continues with it.
func (p *canonJSON) maybe(lit string) bool {
	if p.bad || !bytes.HasPrefix(p.s[p.i:], []byte(lit)) {
		return false
	}
	p.i += len(lit)
	return true
}

// lit moves past lit, which must come next.
func (p *canonJSON) lit(lit string) {
	if !p.maybe(lit) {
		p.bad = true
	}
}

// quoted is the string literal at i, its quotes included, when it holds
// only bytes JSON writes as they are.
func (p *canonJSON) quoted() []byte {
	if p.bad || p.i >= len(p.s) || p.s[p.i] != '"' {
		p.bad = true
		return nil
	}
	for j := p.i + 1; j < len(p.s); j++ {
		switch c := p.s[j]; {
		case c == '"':
			q := p.s[p.i : j+1]
			p.i = j + 1
			return q
		case c < 0x20 || c > 0x7e || c == '\\' || c == '<' || c == '>' || c == '&':
			p.bad = true
			return nil
		}
	}
	p.bad = true
	return nil
}

// str is the string literal at i (see quoted), unquoted.
func (p *canonJSON) str() string {
	q := p.quoted()
	if len(q) < 2 {
		return ""
	}
	return string(q[1 : len(q)-1])
}

// digits is the number at i: '-' (when signed) and digits, no leading
// zero.
func (p *canonJSON) digits(signed bool) string {
	start := p.i
	if signed && p.i < len(p.s) && p.s[p.i] == '-' {
		p.i++
	}
	first := p.i
	for p.i < len(p.s) && '0' <= p.s[p.i] && p.s[p.i] <= '9' {
		p.i++
	}
	if p.i == first || p.s[first] == '0' && p.i > first+1 {
		p.bad = true
	}
	return string(p.s[start:p.i])
}

// signed is the signed number at i, of bits bits.
func (p *canonJSON) signed(bits int) int64 {
	if p.bad {
		return 0
	}
	n, err := strconv.ParseInt(p.digits(true), 10, bits)
	if err != nil {
		p.bad = true
	}
	return n
}

// unsigned is the unsigned number at i, of bits bits.
func (p *canonJSON) unsigned(bits int) uint64 {
	if p.bad {
		return 0
	}
	n, err := strconv.ParseUint(p.digits(false), 10, bits)
	if err != nil {
		p.bad = true
	}
	return n
}
