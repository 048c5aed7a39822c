"""Randomized checks of the parsers (seeded, so reproducible): whatever the
bytes, they raise only their own exception classes; no changed byte of a
bundle is ever accepted, and a changed payload only when the change is a
manifest field's value (which the MDC and the generation label guard)."""

import base64
import gzip
import random
import unittest

from vsync_s3_client import _aes, _dotenv, _openpgp, _payload, _s3, _token
from vsync_s3_client import BundleError, TokenError, WrongPassphraseError

from . import support

ROUNDS = 400


def mutate(rng, data):
    b = bytearray(data)
    kind = rng.randrange(4)
    if kind == 0 or not b:
        i = rng.randrange(len(b) + 1)
        b[i:i] = bytes([rng.randrange(256)])
    elif kind == 1:
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
    elif kind == 2:
        i = rng.randrange(len(b))
        del b[i:i + rng.randrange(1, 64)]
    else:
        i = rng.randrange(len(b))
        b[i] = rng.randrange(256)
    return bytes(b)


class FuzzTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        s = support.spec()
        c = next(c for c in s["cases"] if c["name"] == "prod")
        cls.token = c["config"]
        cls.passphrase = c["passphrase"].encode()
        cl = _s3.Client(_token.parse_token(c["config"]), 10)
        _, cls.bundle = cl.request("GET", "apps/web/prod/current.pgp", 1 << 24)
        cls.payload = _openpgp.decrypt(cls.bundle, cls.passphrase)

    def test_changed_bundle_never_accepted(self):
        rng = random.Random(13)
        for _ in range(ROUNDS):
            bad = mutate(rng, self.bundle)
            if bad == self.bundle:
                continue
            with self.assertRaises((BundleError, WrongPassphraseError)):
                _openpgp.decrypt(bad, self.passphrase)

    def test_changed_payload_refused_or_only_a_manifest_field_changed(self):
        # The payload alone cannot tell a changed generation, date, author
        # or note from a real one (the MDC around it and the object's
        # generation label can): a change is refused, or is exactly such a
        # field, with the same files.
        rng = random.Random(14)
        m, files = _payload.parse_payload(self.payload)
        self.assertIn(".env.prod", files)
        fields = ("format", "env", "generation", "parent", "parent_sha256", "created", "author", "note")
        accepted = 0
        for _ in range(ROUNDS):
            bad = mutate(rng, self.payload)
            if bad == self.payload:
                continue
            try:
                m2, files2 = _payload.parse_payload(bad)
            except BundleError:
                continue
            accepted += 1
            self.assertEqual(files2, files)
            self.assertEqual(m2.files, m.files)
            self.assertNotEqual([getattr(m2, f) for f in fields], [getattr(m, f) for f in fields])
        self.assertLess(accepted, ROUNDS // 10)

    def test_token_parser_raises_only_token_error(self):
        rng = random.Random(15)
        raw = base64.b64decode(self.token[len(_token.PREFIX):])
        js = gzip.decompress(raw)
        for _ in range(ROUNDS):
            for candidate in (_token.PREFIX + base64.b64encode(mutate(rng, raw)).decode(),
                              _token.PREFIX + base64.b64encode(gzip.compress(mutate(rng, js))).decode(),
                              mutate(rng, self.token.encode()).decode("latin-1")):
                try:
                    _token.parse_token(candidate)
                except TokenError:
                    pass

    def test_dotenv_parser_raises_only_syntax_errors(self):
        rng = random.Random(16)
        seed = (b"A=1\nexport B = 'x y'\nC=\"multi\nline $A ${B}\"\n# c\nD=${A}#x\nE=a #b\n"
                b"F=\"\\n\\t\\\"\\$\"\nG='\n")
        for _ in range(ROUNDS * 4):
            data = seed
            for _ in range(rng.randrange(1, 6)):
                data = mutate(rng, data)
            try:
                _dotenv.parse_dotenv("f", data, lambda k: None)
            except _dotenv.DotenvSyntaxError:
                pass

    def test_aes_fast_path_is_the_public_api(self):
        rng = random.Random(17)
        for n in (0, 1, 15, 16, 17, 4096, 65537):
            key, iv = rng.randbytes(32), rng.randbytes(16)
            data = rng.randbytes(n)
            fast = _aes.decrypt_evp(key, iv, data)
            self.assertIsNotNone(fast, "cryptography's EVP bindings are missing: open() pays ~35 ms more")
            self.assertEqual(fast, _aes.decrypt_public(key, iv, data))


if __name__ == "__main__":
    unittest.main()
