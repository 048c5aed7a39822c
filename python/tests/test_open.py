"""open() against vaults vsync pushed, and the corpus of bad inputs."""

import base64
import os
import tempfile
import threading
import unittest

import vsync_s3_client
from vsync_s3_client import S3UnreachableError, ManifestNotFoundError  # noqa: F401 (the seeds' import)

from . import support


# The sentinel of each failure in vsync's messages (vault and s3bundle
# errors), which the library's messages repeat.
SENTINELS = {
    "WrongPassphraseError": "wrong passphrase",
    "IntegrityError": "bundle failed its integrity check",
    "UnsafePathError": "unsafe path in bundle",
    "ManifestError": "bundle manifest does not match its contents",
    "ManifestNotFoundError": "nothing was pushed to env",
    "NoSuchBucketError": "bucket does not exist",
    "S3UnreachableError": "storage endpoint unreachable",
    "AccessDeniedError": "access denied",
    "TokenError": "invalid runtime token",
}


def raised(call, **kw):
    """What call(**kw) raises (None if nothing), caught in a frame that
    holds no secret of its own."""
    try:
        call(**kw)
    except Exception as e:  # noqa: BLE001
        return e
    return None


class OpenTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.spec = support.spec()
        cls.cases = {c["name"]: c for c in cls.spec["cases"]}

    def open_case(self, c, **kw):
        with support.environ(VSYNC_CONFIG=c["config"], VSYNC_PASSPHRASE=c["passphrase"]):
            return vsync_s3_client.open(**kw)

    def test_good_vaults_give_vsync_env_values(self):
        for c in self.spec["cases"]:
            if c["want"] != "ok":
                continue
            with self.subTest(case=c["name"]):
                v = self.open_case(c)
                self.assertEqual(v.generation(), c["generation"])
                self.assertTrue(c["values"])
                for k, want in c["values"].items():
                    self.assertEqual(v.get_env(k), want, "key %s" % k)
                    self.assertEqual(v.env_source(k), "vault")
                for p, b64 in (c.get("files") or {}).items():
                    self.assertEqual(v.get_as_content(p), base64.b64decode(b64), "file %s" % p)
                self.assertIsNone(v.get_as_content("no-such-file"))
                self.assertIsNone(v.get_as_content(".env." + ("prod" if c["name"].startswith("prod") else "staging")))
                self.assertEqual(v.remote_generation(), c["generation"])
                self.assertFalse(v.has_new_version())
                support.assert_no_canary(self, repr(v) + str(v), self.spec["canaries"])
                v.close()

    def test_bad_inputs_refused_as_vsync_refuses_them(self):
        for c in self.spec["cases"]:
            if c["want"] == "ok":
                continue
            with self.subTest(case=c["name"]):
                with self.assertRaises(vsync_s3_client.VsyncError) as cm:
                    self.open_case(c, timeout=5)
                e = cm.exception
                self.assertEqual(type(e).__name__, c["want"], str(e))
                self.assertEqual(e.exit_code, c["exit_code"], "vsync exits %d, Python says %d (%s)"
                                 % (c["exit_code"], e.exit_code, type(e).__name__))
                support.assert_no_canary(self, str(e) + repr(e) + repr(e.__cause__) + repr(e.__context__),
                                         self.spec["canaries"])
                # the same words as vsync's own error line
                phrase = SENTINELS[c["want"]]
                self.assertIn(phrase, c["go_error"])
                self.assertIn(phrase, str(e))

    def test_no_secret_in_traceback_frames(self):
        # Error trackers (Sentry and the like) record the local variables
        # of every frame of an exception's traceback, and of the exceptions
        # chained to it: none may hold the token, the passphrase, a key or
        # a decrypted value.
        for c in self.spec["cases"]:
            if c["want"] == "ok":
                continue
            with self.subTest(case=c["name"]):
                with support.environ(VSYNC_CONFIG=c["config"], VSYNC_PASSPHRASE=c["passphrase"]):
                    e = raised(vsync_s3_client.open, timeout=5)
                self.assertIsInstance(e, vsync_s3_client.VsyncError)
                self.assert_no_secret_held(e, [c["config"], c["passphrase"]])
        # remote_generation's HEAD, signed with an STS session token, refused
        c = self.cases["prod-sts-session-token"]
        with support.environ(VSYNC_CONFIG=c["config"], VSYNC_PASSPHRASE=c["passphrase"]):
            v = vsync_s3_client.open()
        v._src._key = "apps/other/prod/current.pgp"  # outside the key's prefix: 403
        e = raised(v.remote_generation)
        self.assertIsInstance(e, vsync_s3_client.AccessDeniedError)
        self.assert_no_secret_held(e, [c["config"], c["passphrase"]])

    def assert_no_secret_held(self, exc, secrets):
        secrets = [s for s in list(self.spec["canaries"]) + secrets if s]
        seen = set()
        todo = [exc]
        while todo:
            x = todo.pop()
            if x is None or id(x) in seen:
                continue
            seen.add(id(x))
            held = [("exception %s" % type(x).__name__, repr(x.args) + repr(getattr(x, "__dict__", {})))]
            tb = x.__traceback__
            while tb is not None:
                f = tb.tb_frame
                held += [("%s local %s" % (f.f_code.co_name, k), repr(v)) for k, v in f.f_locals.items()]
                tb = tb.tb_next
            for where, text in held:
                if any(s in text for s in secrets):
                    self.fail("%s: a secret is held by %s" % (type(exc).__name__, where))
            todo += [x.__cause__, x.__context__]

    def test_precedence_vault_env_defaults(self):
        c = self.cases["prod"]
        os.environ["DATABASE_URL"] = "from-env"
        os.environ["ONLY_IN_ENV"] = "env-value"
        try:
            v = self.open_case(c, defaults={"DATABASE_URL": "d", "ONLY_IN_ENV": "d", "ONLY_DEFAULT": "dv"})
            self.assertEqual(v.get_env("DATABASE_URL"), c["values"]["DATABASE_URL"])
            self.assertEqual(v.env_source("DATABASE_URL"), "vault")
            self.assertEqual(v.get_env("ONLY_IN_ENV"), "env-value")
            self.assertEqual(v.env_source("ONLY_IN_ENV"), "env")
            self.assertEqual(v.get_env("ONLY_DEFAULT"), "dv")
            self.assertEqual(v.env_source("ONLY_DEFAULT"), "default")
            self.assertIsNone(v.get_env("MISSING_EVERYWHERE"))
            self.assertIsNone(v.env_source("MISSING_EVERYWHERE"))
        finally:
            del os.environ["DATABASE_URL"], os.environ["ONLY_IN_ENV"]

    def test_passphrase_and_token_never_given_out(self):
        c = self.cases["prod"]
        with support.environ(VSYNC_CONFIG=c["config"], VSYNC_PASSPHRASE=c["passphrase"]):
            v = vsync_s3_client.open()
            for k in ("VSYNC_CONFIG", "VSYNC_PASSPHRASE"):
                self.assertIsNone(v.get_env(k))
                self.assertIsNone(v.env_source(k))

    def test_file_variables(self):
        c = self.cases["prod"]
        with tempfile.TemporaryDirectory() as d:
            cf, pf = os.path.join(d, "config"), os.path.join(d, "pass")
            with open(cf, "w") as f:
                f.write(c["config"] + "\n")
            with open(pf, "w") as f:
                f.write(c["passphrase"] + "\r\nignored second line\n")
            with support.environ(VSYNC_CONFIG_FILE=cf, VSYNC_PASSPHRASE_FILE=pf):
                v = vsync_s3_client.open()
            self.assertEqual(v.generation(), c["generation"])
            with support.environ(VSYNC_CONFIG_FILE=os.path.join(d, "missing"), VSYNC_PASSPHRASE_FILE=pf):
                with self.assertRaises(vsync_s3_client.VsyncFileNotFoundError) as cm:
                    vsync_s3_client.open()
            self.assertEqual(cm.exception.exit_code, 66)
            open(pf, "w").close()
            with support.environ(VSYNC_CONFIG_FILE=cf, VSYNC_PASSPHRASE_FILE=pf):
                with self.assertRaises(vsync_s3_client.ConfigError):
                    vsync_s3_client.open()
        with support.environ(VSYNC_CONFIG=c["config"]):
            with self.assertRaises(vsync_s3_client.ConfigError) as cm:
                vsync_s3_client.open()
        self.assertEqual(cm.exception.exit_code, 78)
        with support.environ():
            with self.assertRaises(vsync_s3_client.ConfigError):
                vsync_s3_client.open()

    def test_close(self):
        v = self.open_case(self.cases["prod"])
        v.close()
        v.close()  # idempotent
        for call in (lambda: v.get_env("DATABASE_URL"), lambda: v.get_as_content("gcp-sa.json"),
                     v.generation, v.remote_generation, v.has_new_version, lambda: v.env_source("A")):
            with self.assertRaises(vsync_s3_client.ClosedError):
                call()
        self.assertIn("closed", repr(v))

    def test_repr_and_copies_hold_no_secret(self):
        import copy
        import pickle
        v = self.open_case(self.cases["prod"])
        text = repr(v) + str(v) + "%s %r" % (v, v)
        support.assert_no_canary(self, text, self.spec["canaries"])
        for k in self.cases["prod"]["values"]:
            self.assertNotIn(k, text)
        for f in (pickle.dumps, copy.copy, copy.deepcopy):
            with self.assertRaises(TypeError):
                f(v)

    def test_get_env_from_many_threads(self):
        c = self.cases["prod"]
        v = self.open_case(c)
        errors = []

        def worker():
            for _ in range(2000):
                for k, want in c["values"].items():
                    if v.get_env(k) != want:
                        errors.append(k)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])

    def test_max_bundle_size(self):
        with self.assertRaises(vsync_s3_client.BundleTooLargeError) as cm:
            self.open_case(self.cases["prod"], max_bundle_size=1024)
        self.assertEqual(cm.exception.exit_code, 68)


if __name__ == "__main__":
    unittest.main()
