"""The payload tar and its manifest: the port of vault/payload.go
(ParsePayload, checkManifest, CheckPath).

parse_payload() applies the Go reader's checks in the Go reader's order, so
a bad payload gets the same verdict (ManifestError or UnsafePathError) for
the same reason; and, like it, it requires the payload to be byte for byte
what vsync writes for the manifest and files it describes (the canonical
form: Go's archive/tar USTAR or PAX headers, encoding/json's MarshalIndent),
so nothing can hide in tar padding, extra headers or after the end marker.
Messages quote paths (never file content).
"""

import hashlib
import json
import re

from ._errors import ManifestError, UnsafePathError

MANIFEST_PATH = ".vsync/manifest.json"
FORMAT_VERSION = 1
_MANIFEST_MODE = 0o600
_MTIME = 946684800  # payloadModTime, 2000-01-01T00:00:00Z
_BLOCK = 512
_ZERO_BLOCK = bytes(_BLOCK)
_TYPE_REG = ord("0")

_MANIFEST_KEYS = ("format", "env", "generation", "parent", "parent_sha256",
                  "created", "author", "note", "files")
_FILE_KEYS = ("path", "mode", "size", "sha256")
# time.Time's MarshalJSON in UTC: RFC 3339 with trailing zeros of the
# fraction trimmed.
_CANON_TIME = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d{0,8}[1-9])?Z\Z")
_ANY_TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)\Z"  # compiled when needed


def go_quote(s):
    """Roughly strconv.Quote: paths in messages as vsync prints them."""
    return json.dumps(s, ensure_ascii=False)


class Manifest:
    """A parsed manifest. files is a list of (path, mode, size, sha256)."""

    __slots__ = ("format", "env", "generation", "parent", "parent_sha256",
                 "created", "author", "note", "files", "files_null", "canonical_time")


class _Entry:
    __slots__ = ("name", "typeflag", "mode", "size", "hdr_pos", "data_pos")


class _TarError(Exception):
    pass


def _cstr(b):
    i = b.find(0)
    return bytes(b if i < 0 else b[:i])


def _octal(b):
    """archive/tar's parseNumeric: base-256 or NUL/space-trimmed octal."""
    b = bytes(b)
    if b and b[0] & 0x80:
        inv = 0xFF if b[0] & 0x40 else 0
        x = 0
        for i, c in enumerate(b):
            c ^= inv
            if i == 0:
                c &= 0x7F
            x = x << 8 | c
        if x >> 63:
            raise _TarError("invalid tar header")
        return ~x if inv else x
    s = b.strip(b" \x00")
    if not s:
        return 0
    try:
        return int(s, 8) if not s.translate(None, b"01234567") else _bad()
    except ValueError:
        raise _TarError("invalid tar header") from None


def _bad():
    raise _TarError("invalid tar header")


def _pax_records(data):
    recs = {}
    data = bytes(data)
    while data:
        sp = data.find(b" ")
        if sp <= 0 or not data[:sp].isdigit():
            _bad()
        n = int(data[:sp])
        if n <= sp + 1 or n > len(data) or data[n - 1:n] != b"\n":
            _bad()
        rec, data = data[sp + 1:n - 1], data[n:]
        k, eq, v = rec.partition(b"=")
        if not eq or not k:
            _bad()
        recs[k.decode("utf-8", "surrogateescape")] = v.decode("utf-8", "surrogateescape")
    return recs


def _next(buf, pos):
    """Read the tar header at pos as archive/tar's Reader.Next does for the
    formats vsync meets. Returns (_Entry, or None at the end marker)."""
    pax = {}
    long_name = None
    hdr_pos = pos
    while True:
        blk = buf[pos:pos + _BLOCK]
        if len(blk) < _BLOCK:
            raise _TarError("unexpected end of tar")
        if blk == _ZERO_BLOCK:
            nxt = buf[pos + _BLOCK:pos + 2 * _BLOCK]
            if len(nxt) < _BLOCK:
                raise _TarError("unexpected end of tar")
            if nxt != _ZERO_BLOCK:
                _bad()
            return None
        chk = _octal(blk[148:156])
        unsigned = sum(blk) - sum(blk[148:156]) + 8 * 32
        if chk != unsigned:
            # Sun tar's signed sum, which archive/tar also accepts
            high = sum(1 for i, c in enumerate(blk) if c & 0x80 and not 148 <= i < 156)
            if chk != unsigned - 256 * high:
                _bad()
        magic = bytes(blk[257:265])
        ustar = magic == b"ustar\x0000"
        flag = blk[156]
        size = _octal(blk[124:136])
        if size < 0:
            _bad()
        data_pos = pos + _BLOCK
        end = data_pos + (size + _BLOCK - 1) // _BLOCK * _BLOCK
        if flag in (ord("x"), ord("L"), ord("K")):
            data = buf[data_pos:data_pos + size]
            if len(data) < size or end > len(buf):
                raise _TarError("unexpected end of tar")
            if flag == ord("x"):
                pax.update(_pax_records(data))
            elif flag == ord("L"):
                long_name = _cstr(data)
            pos = end
            continue
        e = _Entry()
        name = _cstr(blk[0:100])
        if ustar:
            prefix = _cstr(blk[345:500])
            if prefix:
                name = prefix + b"/" + name
        if long_name is not None:
            name = long_name
        e.name = name.decode("utf-8", "surrogateescape")
        if "path" in pax:
            e.name = pax["path"]
        if "size" in pax:
            try:
                size = int(pax["size"])
            except ValueError:
                _bad()
            if size < 0:
                _bad()
        e.typeflag = flag
        if flag == 0:  # TypeRegA, read as TypeReg
            e.typeflag = ord("5") if e.name.endswith("/") else _TYPE_REG
        e.mode = _octal(blk[100:108])
        e.size = size
        e.hdr_pos = hdr_pos
        e.data_pos = data_pos
        return e


def _entry_data(buf, e):
    if e.size > len(buf) - e.data_pos:
        raise ManifestError("bundle manifest does not match its contents: %s: truncated entry" % go_quote(e.name))
    return buf[e.data_pos:e.data_pos + e.size]


def _after(e):
    return e.data_pos + (e.size + _BLOCK - 1) // _BLOCK * _BLOCK


def check_path(p):
    """vault.CheckPath: raise UnsafePathError unless p may be a bundle path."""
    def bad(why):
        return UnsafePathError("unsafe path in bundle: %s: %s" % (go_quote(p), why))
    if p == "":
        raise bad("empty path")
    if p.startswith("/"):
        raise bad("absolute path")
    if "\\" in p or "\x00" in p:
        raise bad("backslash or NUL in path")
    parts = p.split("/")
    if ".." in parts:
        raise bad("'..' in path")
    if "" in parts or "." in parts:
        raise bad("path is not clean")
    if p == ".vsync" or p.startswith(".vsync/"):
        raise bad("'.vsync/' is reserved for the manifest")


def _manifest_err(reason):
    return ManifestError("bundle manifest does not match its contents: " + reason)


def _no_dups(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise ValueError("duplicate key")
        d[k] = v
    return d


def _is_int(v, lo, hi):
    return type(v) is int and lo <= v < hi


def _decode_manifest(js):
    """The manifest JSON as encoding/json with DisallowUnknownFields would
    take it (field names exact: any other spelling is not canonical anyway)."""
    try:
        obj = json.loads(bytes(js), object_pairs_hook=_no_dups, parse_constant=_reject)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise _manifest_err("malformed manifest JSON") from None
    bad = _manifest_err("malformed manifest JSON")
    if not isinstance(obj, dict) or any(k not in _MANIFEST_KEYS for k in obj):
        raise bad
    m = Manifest()
    m.format = obj.get("format", 0)
    m.env = obj.get("env", "")
    m.generation = obj.get("generation", 0)
    m.parent = obj.get("parent", 0)
    m.parent_sha256 = obj.get("parent_sha256", "")
    m.created = obj.get("created", "0001-01-01T00:00:00Z")
    m.author = obj.get("author", "")
    m.note = obj.get("note", "")
    files = obj.get("files", None)
    m.files_null = files is None
    if not (_is_int(m.format, -(1 << 63), 1 << 63) and _is_int(m.generation, 0, 1 << 64)
            and _is_int(m.parent, 0, 1 << 64)):
        raise bad
    for s in (m.env, m.parent_sha256, m.created, m.author, m.note):
        if type(s) is not str or not _valid_unicode(s):
            raise bad
    tm = _CANON_TIME.match(m.created)
    m.canonical_time = bool(tm) and _valid_time(tm)
    if not m.canonical_time and not re.match(_ANY_TIME, m.created):
        raise bad
    m.files = []
    if files is not None:
        if not isinstance(files, list):
            raise bad
        for f in files:
            if not isinstance(f, dict) or any(k not in _FILE_KEYS for k in f):
                raise bad
            path, mode = f.get("path", ""), f.get("mode", 0)
            size, sha = f.get("size", 0), f.get("sha256", "")
            if type(path) is not str or not _valid_unicode(path) or type(sha) is not str \
                    or not _is_int(mode, 0, 1 << 32) or not _is_int(size, -(1 << 63), 1 << 63):
                raise bad
            m.files.append((path, mode, size, sha))
    return m


def _reject(name):
    raise ValueError("not JSON")


def _valid_unicode(s):
    try:
        s.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _valid_time(tm):
    """The date and time ranges time.Parse checks (no leap second)."""
    y, mo, d, h, mi, sec = (int(g) for g in tm.groups()[:6])
    if not (1 <= mo <= 12 and h < 24 and mi < 60 and sec < 60):
        return False
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    days = (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[mo - 1]
    return 1 <= d <= days


_HEX = frozenset("0123456789abcdef")


def _is_hex64(s):
    return len(s) == 64 and all(c in _HEX for c in s)


def _check_manifest(m):
    """vault's checkManifest."""
    if m.format != FORMAT_VERSION:
        raise _manifest_err("format version %d, this vsync reads %d" % (m.format, FORMAT_VERSION))
    if m.parent_sha256 != "" and not _is_hex64(m.parent_sha256):
        raise _manifest_err("parent_sha256 is not a hex SHA-256")
    prev = None
    for path, mode, size, sha in m.files:
        check_path(path)
        if prev is not None and prev >= path:
            if prev == path:
                raise _manifest_err("%s listed twice in the manifest" % go_quote(path))
            raise _manifest_err("files not sorted at %s" % go_quote(path))
        prev = path
        if mode & ~0o777:
            raise _manifest_err("%s: mode %#o has more than permission bits" % (go_quote(path), mode))
        if size < 0:
            raise _manifest_err("%s: negative size" % go_quote(path))
        if not _is_hex64(sha):
            raise _manifest_err("%s: sha256 is not lower-case hex" % go_quote(path))


def parse_payload(payload):
    """Check a payload tar and return (Manifest, {path: (mode, bytes)}).

    Raises ManifestError or UnsafePathError, as vault.ParsePayload would."""
    buf = payload
    try:
        e = _next(buf, 0)
        if e is None:
            raise _TarError("unexpected end of tar")
    except _TarError as err:
        raise _manifest_err("no manifest: %s" % err) from None
    if e.name != MANIFEST_PATH or e.typeflag != _TYPE_REG:
        raise _manifest_err("first entry is %s, not %s" % (go_quote(e.name), go_quote(MANIFEST_PATH)))
    js = _entry_data(buf, e)
    m = _decode_manifest(js)
    _check_manifest(m)
    want = {f[0]: f for f in m.files}
    entries = {}
    manifest_entry = e
    pos = _after(e)
    while True:
        try:
            e = _next(buf, pos)
        except _TarError as err:
            raise _manifest_err("reading the payload tar: %s" % err) from None
        if e is None:
            break
        name = e.name
        if e.typeflag != _TYPE_REG:
            raise UnsafePathError("unsafe path in bundle: %s is not a regular file (type %s)"
                                  % (go_quote(name), _quote_rune(e.typeflag)))
        if name == MANIFEST_PATH:
            raise UnsafePathError("unsafe path in bundle: %s appears twice" % go_quote(name))
        check_path(name)
        if name in entries:
            raise UnsafePathError("unsafe path in bundle: %s appears twice" % go_quote(name))
        f = want.get(name)
        if f is None:
            raise _manifest_err("%s is not listed in the manifest" % go_quote(name))
        data = _entry_data(buf, e)
        if e.mode < 0 or e.mode > 0o777:
            raise _manifest_err("%s: mode %#o has more than permission bits" % (go_quote(name), e.mode))
        _check_entry(f, e.mode, data)
        entries[name] = (e, data)
        pos = _after(e)
    for path, _, _, _ in m.files:
        if path not in entries:
            raise _manifest_err("%s is listed in the manifest but missing" % go_quote(path))
    if not _canonical(buf, m, js, manifest_entry, entries):
        raise _manifest_err("payload is not in canonical form (entry order, headers, JSON layout or trailing data)")
    return m, {name: (e.mode, data) for name, (e, data) in entries.items()}


def _check_entry(f, mode, data):
    path, want_mode, size, sha = f
    if want_mode != mode:
        raise _manifest_err("%s: mode %#o, manifest says %#o" % (go_quote(path), mode, want_mode))
    if size != len(data):
        raise _manifest_err("%s: size %d, manifest says %d" % (go_quote(path), len(data), size))
    if hashlib.sha256(data).hexdigest() != sha:
        raise _manifest_err("%s: SHA-256 does not match the manifest" % go_quote(path))


def _quote_rune(c):
    # strconv's %q of a byte (rune): '0', '2', 'x', '\x00'
    ch = chr(c)
    if 0x20 <= c < 0x7F and ch not in "'\\":
        return "'%s'" % ch
    return "'\\x%02x'" % c


# --- the canonical form: what vault.MarshalPayload writes ----------------

def _go_json_string(s):
    out = ['"']
    for ch in s:
        c = ord(ch)
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif c < 0x20:
            out.append({8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t"}.get(c, "\\u%04x" % c))
        elif ch in "<>&":
            out.append("\\u%04x" % c)
        elif c in (0x2028, 0x2029):
            out.append("\\u%04x" % c)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def manifest_json(m):
    """json.MarshalIndent(&manifest, "", "  ") + "\\n", as bytes."""
    q = _go_json_string
    lines = ["{",
             '  "format": %d,' % m.format,
             '  "env": %s,' % q(m.env),
             '  "generation": %d,' % m.generation,
             '  "parent": %d,' % m.parent]
    if m.parent_sha256:
        lines.append('  "parent_sha256": %s,' % q(m.parent_sha256))
    lines += ['  "created": %s,' % q(m.created),
              '  "author": %s,' % q(m.author),
              '  "note": %s,' % q(m.note)]
    if m.files_null:
        lines.append('  "files": null')
    elif not m.files:
        lines.append('  "files": []')
    else:
        lines.append('  "files": [')
        for i, (path, mode, size, sha) in enumerate(m.files):
            lines += ["    {",
                      '      "path": %s,' % q(path),
                      '      "mode": %d,' % mode,
                      '      "size": %d,' % size,
                      '      "sha256": %s' % q(sha),
                      "    }," if i < len(m.files) - 1 else "    }"]
        lines.append("  ]")
    lines.append("}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _fmt_str(blk, off, size, s):
    """formatter.formatString into blk[off:off+size]."""
    blk[off:off + min(len(s), size)] = s[:size]
    if len(s) > size and blk[off + size - 1] == ord("/"):
        n = len(s[:size - 1].rstrip(b"/"))
        blk[off + n] = 0


def _fmt_oct(blk, off, size, x):
    s = b"%o" % x
    _fmt_str(blk, off, size, s.rjust(size - 1, b"0"))


def _finish(blk):
    blk[257:265] = b"ustar\x0000"
    chk = sum(blk[:148]) + 8 * 32 + sum(blk[156:])
    _fmt_oct(blk, 148, 7, chk)
    blk[155] = 32
    return bytes(blk)


def _split_ustar(name):
    """archive/tar's splitUSTARPath, on ASCII bytes."""
    length = len(name)
    if length <= 100:
        return None
    if length > 156:
        length = 156
    elif name[length - 1:length] == b"/":
        length -= 1
    i = name.rfind(b"/", 0, length)
    nlen, plen = len(name) - i - 1, i
    if i <= 0 or nlen > 100 or nlen == 0 or plen > 155:
        return None
    return name[:i], name[i + 1:]


def _template(name, mode, size):
    blk = bytearray(_BLOCK)
    blk[156] = _TYPE_REG
    _fmt_str(blk, 0, 100, name)
    _fmt_str(blk, 157, 100, b"")
    _fmt_oct(blk, 100, 8, mode)
    _fmt_oct(blk, 108, 8, 0)
    _fmt_oct(blk, 116, 8, 0)
    _fmt_oct(blk, 124, 12, size)
    _fmt_oct(blk, 136, 12, _MTIME)
    _fmt_str(blk, 265, 32, b"")
    _fmt_str(blk, 297, 32, b"")
    _fmt_oct(blk, 329, 8, 0)
    _fmt_oct(blk, 337, 8, 0)
    return blk


def _pax_record(k, v):
    size = len(k) + len(v) + 3
    size += len(str(size))
    rec = b"%d %s=%s\n" % (size, k, v)
    if len(rec) != size:
        rec = b"%d %s=%s\n" % (len(rec), k, v)
    return rec


def entry_header(name, mode, size):
    """The header block(s) tar.Writer writes for a regular file with
    Format: FormatPAX (USTAR when it can encode the name, else a PAX
    extended header with the path, then a PAX main header)."""
    raw = name.encode("utf-8")
    ascii_ok = all(0 < c < 0x80 for c in raw)
    if ascii_ok and len(raw) <= 100:
        return _finish(_template(raw, mode, size))
    split = _split_ustar(raw) if ascii_ok else None
    if split is not None:
        blk = _template(split[1], mode, size)
        _fmt_str(blk, 345, 155, split[0])
        return _finish(blk)
    data = _pax_record(b"path", raw)
    d, _, f = name.rpartition("/")
    pax_name = (d + "/" if d else "") + "PaxHeaders.0/" + f
    pax_name = bytes(c for c in pax_name.encode("utf-8") if 0 < c < 0x80)[:100].rstrip(b"/")
    xb = bytearray(_BLOCK)
    xb[156] = ord("x")
    _fmt_str(xb, 0, 100, pax_name)
    for off in (100, 108, 116):
        _fmt_oct(xb, off, 8, 0)
    _fmt_oct(xb, 124, 12, len(data))
    _fmt_oct(xb, 136, 12, 0)
    pad = -len(data) % _BLOCK
    ascii_name = bytes(c for c in raw if 0 < c < 0x80)
    return _finish(xb) + data + bytes(pad) + _finish(_template(ascii_name, mode, size))


def _canonical(buf, m, js, manifest_entry, entries):
    """Whether buf is byte for byte the payload vsync writes for m."""
    if not m.canonical_time or js != manifest_json(m):
        return False
    pos = 0
    items = [(MANIFEST_PATH, _MANIFEST_MODE, manifest_entry)]
    items += [(path, mode, entries[path][0]) for path, mode, _, _ in m.files]
    for name, mode, e in items:
        hdr = entry_header(name, mode, e.size)
        if e.hdr_pos != pos or buf[pos:pos + len(hdr)] != hdr or e.data_pos != pos + len(hdr):
            return False
        pos = e.data_pos + e.size
        pad = -e.size % _BLOCK
        if buf[pos:pos + pad] != bytes(pad):
            return False
        pos += pad
    return len(buf) - pos == 2 * _BLOCK and buf[pos:] == bytes(2 * _BLOCK)
