"""The OpenPGP subset vsync writes (RFC 4880), and nothing more.

A bundle is one SKESK v4 packet (AES-256, SHA-256 S2K, salted or iterated
and salted) and one SEIPD v1 packet (MDC) holding one uncompressed literal
data packet. decrypt() refuses every other shape, and checks the MDC over
the whole decrypted stream before it looks at a single decrypted byte.
It is the port of vault/crypto.go (Decrypt) and reports the same failures:
WrongPassphraseError when the session key does not decrypt to an AES-256
key, or when the MDC fails and the RFC 4880 quick check also fails;
IntegrityError for everything else.
"""

import hashlib
import hmac

from ._aes import decrypt as _aes_cfb
from ._errors import IntegrityError, WrongPassphraseError

_TAG_SKESK = 3
_TAG_LITERAL = 11
_TAG_SEIPD = 18
_CIPHER_AES256 = 9
_HASH_SHA256 = 8
_S2K_SALTED = 1
_S2K_ITERATED = 3
_PREFIX_LEN = 18  # AES block size + 2
_MDC_LEN = 22  # 0xD3 0x14 + SHA-1
_ZERO_IV = bytes(16)


def _integrity(reason):
    return IntegrityError("bundle failed its integrity check (tampered or truncated): " + reason)


def _wrong():
    return WrongPassphraseError("decrypting the bundle: wrong passphrase")


#: The smallest partial-length chunk read (RFC 4880 4.2.2.4 requires it of
#: the first; go-crypto and gpg write none smaller, and every chunk but the
#: last is a partial one). Smaller chunks are refused: each costs a loop
#: turn and a header byte, and nothing vsync or gpg writes has them.
MIN_PARTIAL = 512


def _read_packet(buf, pos, partial_ok):
    """Read the packet header at buf[pos] (buf a memoryview) and return
    (tag, body, next_pos).

    The body is a memoryview of buf, or, for a body in partial-length
    chunks (partial_ok), one bytearray holding them joined, never larger
    than buf. Raises ValueError on a malformed or truncated header, and
    on a partial-length chunk under MIN_PARTIAL bytes."""
    n = len(buf)
    if pos >= n:
        raise ValueError("no packet")
    b = buf[pos]
    pos += 1
    if not b & 0x80:
        raise ValueError("not a packet")
    if not b & 0x40:
        return _old_format(buf, pos, b)
    tag = b & 0x3F
    body = None
    while True:
        length, partial, pos = _new_length(buf, pos)
        if partial:
            if not partial_ok:
                raise ValueError("partial length")
            if length < MIN_PARTIAL:
                raise ValueError("partial length chunk under %d bytes" % MIN_PARTIAL)
        if length > n - pos:
            raise ValueError("truncated body")
        chunk = buf[pos:pos + length]
        pos += length
        if not partial and body is None:
            return tag, chunk, pos
        if body is None:
            body = bytearray(chunk)
        else:
            body += chunk  # never more than buf holds
        if not partial:
            return tag, body, pos


def _new_length(buf, pos):
    """A new-format length at buf[pos]: (length, partial, next_pos)."""
    n = len(buf)
    if pos >= n:
        raise ValueError("truncated length")
    o1 = buf[pos]
    pos += 1
    if o1 < 192:
        return o1, False, pos
    if o1 < 224:
        if pos >= n:
            raise ValueError("truncated length")
        return ((o1 - 192) << 8) + buf[pos] + 192, False, pos + 1
    if o1 == 255:
        if pos + 4 > n:
            raise ValueError("truncated length")
        return int.from_bytes(buf[pos:pos + 4], "big"), False, pos + 4
    return 1 << (o1 & 0x1F), True, pos


def _old_format(buf, pos, b):
    n = len(buf)
    tag = (b >> 2) & 0x0F
    ltype = b & 3
    if ltype == 3:  # indeterminate: to the end
        return tag, buf[pos:], n
    size = (1, 2, 4)[ltype]
    if pos + size > n:
        raise ValueError("truncated length")
    length = int.from_bytes(buf[pos:pos + size], "big")
    pos += size
    if pos + length > n:
        raise ValueError("truncated body")
    return tag, buf[pos:pos + length], pos + length


def _s2k_key(passphrase, spec, salt, count):
    """The 32-byte SHA-256 S2K output (RFC 4880 3.7.1.2 and 3.7.1.3)."""
    data = salt + passphrase
    if spec == _S2K_SALTED:
        return hashlib.sha256(data).digest()
    total = max(count, len(data))
    reps, rest = divmod(total, len(data))
    h = hashlib.sha256()
    # Hash in slices of about 1 MB so a large count does not build one
    # huge string.
    block_reps = max(1, (1 << 20) // len(data))
    block = data * block_reps
    while reps >= block_reps:
        h.update(block)
        reps -= block_reps
    h.update(data * reps + data[:rest])
    return h.digest()


def _unlock_skesk(body, passphrase):
    """The AES-256 session key held by an SKESK v4 body."""
    if len(body) < 4 or body[0] != 4 or body[1] != _CIPHER_AES256 or \
            body[2] not in (_S2K_SALTED, _S2K_ITERATED) or body[3] != _HASH_SHA256:
        raise _integrity("first packet is not an AES-256, SHA-256 passphrase packet (SKESK v4)")
    if body[2] == _S2K_SALTED:
        if len(body) < 12:
            raise _integrity("malformed passphrase packet")
        salt, count, esk = body[4:12], 0, body[12:]
    else:
        if len(body) < 13:
            raise _integrity("malformed passphrase packet")
        c = body[12]
        salt, count, esk = body[4:12], (16 + (c & 15)) << ((c >> 4) + 6), body[13:]
    kek = _s2k_key(passphrase, body[2], salt, count)
    if not esk:
        return kek
    plain = _aes_cfb(kek, _ZERO_IV, esk)
    if plain[0] != _CIPHER_AES256 or len(plain) != 33:
        raise _wrong()
    return plain[1:]


def decrypt(message, passphrase):
    """Return the payload of a bundle (bytes), only once its MDC matched.

    passphrase is bytes. Raises WrongPassphraseError or IntegrityError."""
    buf = memoryview(message)
    try:
        tag, skesk, pos = _read_packet(buf, 0, False)
    except ValueError:
        raise _integrity("cannot read the passphrase packet") from None
    if tag != _TAG_SKESK:
        raise _integrity("first packet is not an AES-256, SHA-256 passphrase packet (SKESK v4)")
    key = _unlock_skesk(bytes(skesk), passphrase)
    try:
        tag, seipd, pos = _read_packet(buf, pos, True)
    except ValueError:
        raise _integrity("cannot read the encrypted data packet") from None
    if tag != _TAG_SEIPD or len(seipd) < 1 or seipd[0] != 1:
        raise _integrity("second packet is not integrity-protected data (SEIPDv1)")
    if pos != len(buf):
        raise _integrity("data after the encrypted data packet")
    ct = memoryview(seipd)[1:]
    if len(ct) < _PREFIX_LEN + _MDC_LEN:
        if len(ct) >= _PREFIX_LEN and not _quick_check(key, ct):
            raise _wrong()
        raise _integrity("truncated encrypted data")
    plain = _aes_cfb(key, _ZERO_IV, ct)
    # The MDC first: nothing decrypted is looked at before it matched.
    body_end = len(plain) - 20
    mdc = hashlib.sha1(memoryview(plain)[:body_end]).digest()
    if plain[body_end - 2:body_end] != b"\xd3\x14" or not hmac.compare_digest(mdc, plain[body_end:]):
        if plain[14:16] != plain[16:18]:
            raise _wrong()
        raise _integrity("modification detection code (MDC) mismatch")
    return _literal(memoryview(plain)[_PREFIX_LEN:len(plain) - _MDC_LEN])


def _quick_check(key, prefix):
    p = _aes_cfb(key, _ZERO_IV, prefix[:_PREFIX_LEN])
    return p[14:16] == p[16:18]


def _literal(data):
    """The body of the one literal data packet that fills data exactly."""
    if not data or (data[0] != 0xCB and data[0] & 0xFC != 0xAC):
        raise _integrity("encrypted data is not a literal data packet")
    try:
        tag, body, pos = _read_packet(data, 0, True)
    except ValueError:
        raise _integrity("truncated or malformed literal data") from None
    if tag != _TAG_LITERAL:
        raise _integrity("encrypted data is not a literal data packet")
    if pos != len(data):
        raise _integrity("data after the literal data packet")
    # format (1), file name length (1), file name, date (4), then data
    if len(body) < 6 or len(body) < 6 + body[1]:
        raise _integrity("malformed literal data packet")
    return bytes(memoryview(body)[6 + body[1]:])
