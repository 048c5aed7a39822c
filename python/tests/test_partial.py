"""Partial-length chunks (RFC 4880 4.2.2.4), which a bucket writer without
the passphrase can choose for the encrypted data packet (its framing is
outside the MDC): chunks under 512 bytes but the last are refused at once,
in memory bounded by the bundle, and what gpg and vsync write is read."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from vsync_s3_client import _openpgp, IntegrityError

PASS = b"partial-test-passphrase"
SALT = b"S" * 8

# A salted SKESK v4 with no encrypted session key: the key is the S2K's.
SKESK = bytes([0xC3, 12, 4, 9, 1, 8]) + SALT


def new_length(n, partial_chunk=None):
    """The chunked new-format body of n bytes: partial chunks of
    partial_chunk bytes (a power of two), then the rest as one definite
    length; the (header, length) pairs."""
    out = []
    if partial_chunk:
        bits = partial_chunk.bit_length() - 1
        while n > partial_chunk:
            out.append((bytes([0xE0 | bits]), partial_chunk))
            n -= partial_chunk
    if n < 192:
        out.append((bytes([n]), n))
    elif n < 8384:
        out.append((bytes([((n - 192) >> 8) + 192, (n - 192) & 0xFF]), n))
    else:
        out.append((b"\xff" + n.to_bytes(4, "big"), n))
    return out


def packet(tag, body, partial_chunk=None):
    out, pos = bytearray([0xC0 | tag]), 0
    for hdr, n in new_length(len(body), partial_chunk):
        out += hdr + body[pos:pos + n]
        pos += n
    return bytes(out)


def seal(payload, literal_chunk=None, seipd_chunk=None):
    """A bundle-shaped message of payload under PASS, its literal data and
    encrypted data packets in partial chunks of the sizes given."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    key = hashlib.sha256(SALT + PASS).digest()
    literal = packet(11, b"b\x00\x00\x00\x00\x00" + payload, literal_chunk)
    prefix = os.urandom(16)
    plain = prefix + prefix[14:16] + literal + b"\xd3\x14"
    plain += hashlib.sha1(plain).digest()
    enc = Cipher(algorithms.AES(key), modes.CFB(bytes(16))).encryptor()
    ct = enc.update(plain) + enc.finalize()
    return SKESK + packet(18, b"\x01" + ct, seipd_chunk)


HOSTILE = r"""
import json, os, resource, sys
from vsync_s3_client import _openpgp
n = int(sys.argv[1])
skesk = bytes([0xC3, 12, 4, 9, 1, 8]) + b"S" * 8
msg = skesk + b"\xD2" + b"\xE0\x01" * n + bytes([40]) + os.urandom(40)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    _openpgp.decrypt(msg, b"whatever")
    verdict = "accepted"
except Exception as e:
    verdict = type(e).__name__
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"verdict": verdict, "grew_kb": after - before, "bundle": len(msg)}))
"""


class PartialLengthTest(unittest.TestCase):
    def test_tiny_chunks_refused_in_bounded_memory(self):
        # 2,000,000 one-byte chunks: a 4 MB bundle that a list of chunks
        # turned into 560 MB. The deadline only bounds a failure.
        out = subprocess.run([sys.executable, "-c", HOSTILE, "2000000"], capture_output=True, text=True,
                             timeout=300, env=dict(os.environ))
        self.assertEqual(out.returncode, 0, out.stderr)
        got = json.loads(out.stdout)
        # ru_maxrss is in KiB on Linux: the bundle is 4 MB, allow 16 MB.
        self.assertLess(got["grew_kb"], 16 << 10, "decrypt grew the process by %d KiB" % got["grew_kb"])
        self.assertEqual(got["verdict"], "IntegrityError")

    def test_small_partial_chunks_refused(self):
        payload = os.urandom(5000)
        for lit, seipd in ((None, 256), (256, None), (1, None), (None, 1)):
            with self.subTest(literal_chunk=lit, seipd_chunk=seipd):
                with self.assertRaises(IntegrityError):
                    _openpgp.decrypt(seal(payload, lit, seipd), PASS)

    def test_chunks_of_512_and_more_read(self):
        for size in (0, 511, 512, 513, 3000, 70000):
            payload = os.urandom(size)
            for lit, seipd in ((512, 512), (1024, 8192), (None, 512), (512, None)):
                with self.subTest(size=size, literal_chunk=lit, seipd_chunk=seipd):
                    self.assertEqual(_openpgp.decrypt(seal(payload, lit, seipd), PASS), payload)

    def test_reads_what_gpg_writes_from_a_pipe(self):
        # From a pipe gpg does not know the size, and writes 8 KiB chunks,
        # then smaller powers of two down to 512, then the rest.
        gpg = shutil.which("gpg")
        if gpg is None:
            if os.environ.get("VSYNC_TEST_REQUIRE_S3") == "1":
                self.fail("gpg is needed (.ci/run installs it)")
            self.skipTest("no gpg")
        with tempfile.TemporaryDirectory() as home:
            pf = os.path.join(home, "pf")
            with open(pf, "wb") as f:
                f.write(PASS + b"\n")
            for size in (470, 3000, 8100, 20000):
                payload = os.urandom(size)
                with self.subTest(size=size):
                    out = subprocess.run(
                        [gpg, "--homedir", home, "--batch", "--passphrase-file", pf, "--symmetric",
                         "--cipher-algo", "AES256", "--s2k-digest-algo", "SHA256", "--s2k-count", "65536",
                         "--compress-algo", "none", "--force-mdc", "-o", "-"],
                        input=payload, capture_output=True, timeout=60, check=True)
                    self.assertEqual(_openpgp.decrypt(out.stdout, PASS), payload)


if __name__ == "__main__":
    unittest.main()
