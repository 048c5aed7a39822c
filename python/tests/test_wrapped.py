"""Under `vsync run`: VSYNC_CONFIG/VSYNC_PASSPHRASE are scrubbed, the
values are in the environment, files behind *_FILE, and open() still works,
answering remote_generation/has_new_version through $VSYNC_STATUS_SOCKET."""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from . import support

CHILD = r"""
import json, sys
import vsync_s3_client
v = vsync_s3_client.open(defaults={"ONLY_DEFAULT": "dv"})
keys = json.loads(sys.argv[1])
files = json.loads(sys.argv[2])
import base64
out = {
    "repr": repr(v),
    "generation": v.generation(),
    "remote": v.remote_generation(),
    "new": v.has_new_version(),
    "values": {k: v.get_env(k) for k in keys},
    "sources": {k: v.env_source(k) for k in keys + ["ONLY_DEFAULT", "NOPE", "PYREF_OUTER"]},
    "default": v.get_env("ONLY_DEFAULT"),
    "files": {p: base64.b64encode(v.get_as_content(p) or b"").decode() for p in files},
    "missing_file": v.get_as_content("no-such-file"),
    "passphrase": v.get_env("VSYNC_PASSPHRASE"),
}
print(json.dumps(out), flush=True)
if len(sys.argv) > 3:
    sys.stdin.readline()  # the test pushes, then says go on
    print(json.dumps({"new": v.has_new_version(), "remote": v.remote_generation(),
                      "generation": v.generation()}), flush=True)
"""


# Opens, says so, and once told to go on, asks env_source (vsync's sources)
# and remote_generation.
CHILD_LATE = r"""
import json, sys
import vsync_s3_client
v = vsync_s3_client.open()
print("opened", flush=True)
sys.stdin.readline()
keys = json.loads(sys.argv[1])
try:
    v.remote_generation()
    remote = "ok"
except vsync_s3_client.VsyncError as e:
    remote = type(e).__name__
print(json.dumps({"sources": {k: v.env_source(k) for k in keys}, "remote": remote}), flush=True)
"""


def delete_object(minio, key):
    """DELETE key in the suite's bucket, signed with MinIO's root key."""
    from vsync_s3_client import _http, _s3
    scheme, host, path = _s3.address(minio["endpoint"], minio["bucket"], key, "us-east-1", True)
    hdrs = _s3.sign("DELETE", host, path, "us-east-1", minio["access_key"], minio["secret_key"])
    status, _, _ = _http.request(scheme, host, "DELETE", path, hdrs, 30, 1 << 20)
    if status != 204:
        raise AssertionError("DELETE %s: HTTP %d" % (key, status))


class WrappedTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.spec = support.spec()
        cls.cases = {c["name"]: c for c in cls.spec["cases"]}

    def run_wrapped(self, config, passphrase, keys, files, wait=False, extra=None, child=CHILD):
        env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/"),
               "PYTHONPATH": os.environ["PYTHONPATH"], "AWS_EC2_METADATA_DISABLED": "true",
               "PYREF_OUTER": "outer", "VSYNC_CONFIG": config, "VSYNC_PASSPHRASE": passphrase}
        env.update(extra or {})
        argv = [self.spec["vsync"], "run", "--", sys.executable, "-c", child, json.dumps(keys), json.dumps(files)]
        if wait:
            argv.append("wait")
        return subprocess.Popen(argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def test_same_answers_wrapped_and_unwrapped(self):
        c = next(c for c in self.spec["cases"] if c["name"] == "prod")
        keys = sorted(c["values"])
        # *_FILE variables of the outer environment naming files outside
        # vsync's private directory: no vault file, whatever they hold (one
        # in a directory named and moded as vsync's).
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        lookalike = os.path.join(tmp, "vsync-1-0123456789abcdef")
        os.mkdir(lookalike, 0o700)
        stray = {"stray.txt": os.path.join(tmp, "stray.txt"), "look.txt": os.path.join(lookalike, "look.txt")}
        for where in stray.values():
            with open(where, "w") as f:
                f.write("not a vault file\n")
        extra = {"STRAY_TXT_FILE": stray["stray.txt"], "LOOK_TXT_FILE": stray["look.txt"]}
        p = self.run_wrapped(c["config"], c["passphrase"], keys, sorted(c["files"]) + sorted(stray), extra=extra)
        out, err = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 0, err)
        got = json.loads(out)
        self.assertEqual(got["values"], c["values"])
        self.assertEqual(got["generation"], c["generation"])
        self.assertEqual(got["remote"], c["generation"])
        self.assertFalse(got["new"])
        self.assertEqual(got["default"], "dv")
        self.assertEqual(got["sources"]["ONLY_DEFAULT"], "default")
        self.assertIsNone(got["sources"]["NOPE"])
        # vsync merged the vault into the environment, and says on its status
        # socket which keys came from it
        self.assertEqual({got["sources"][k] for k in keys}, {"vault"})
        self.assertEqual(got["sources"]["PYREF_OUTER"], "env")
        for path, b64 in c["files"].items():
            self.assertEqual(base64.b64decode(got["files"][path]), base64.b64decode(b64), path)
        self.assertIsNone(got["missing_file"])
        for path in stray:
            self.assertEqual(got["files"][path], "", "%s: read from outside vsync's private directory" % path)
        self.assertIsNone(got["passphrase"])
        support.assert_no_canary(self, got["repr"] + err, self.spec["canaries"])

    def converse(self, p, between):
        """The child's first line; between(that line); "go" to the child;
        its second line. The child must then exit 0."""
        try:
            first = p.stdout.readline()
            between(first)
            p.stdin.write("go\n")
            p.stdin.flush()
            second = p.stdout.readline()
            p.stdin.close()
            self.assertEqual(p.wait(timeout=60), 0)
            return first, second
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdout.close()
            p.stderr.close()

    def test_sources_while_the_bucket_cannot_answer(self):
        # vsync's status is "unknown" once current.pgp is gone: remote
        # generation raises, but the sources still come with the answer.
        c = self.cases["prod"]
        keys = sorted(c["values"])
        p = self.run_wrapped(self.spec["gone"], c["passphrase"], keys, [], child=CHILD_LATE)

        def gone(first):
            self.assertEqual(first, "opened\n")
            delete_object(self.spec["minio"], "apps/corpus-gone/prod/current.pgp")
        _, second = self.converse(p, gone)
        got = json.loads(second)
        self.assertEqual(got["remote"], "ManifestNotFoundError")
        self.assertEqual({got["sources"][k] for k in keys}, {"vault"})

    def test_has_new_version_through_the_status_socket(self):
        live = self.spec["live"]
        p = self.run_wrapped(live["config"], live["passphrase"], ["GEN"], [], wait=True)

        def push(line):
            first = json.loads(line)
            self.assertFalse(first["new"])
            support.push_live(self.spec, "wrapped-%d" % first["generation"])
        first, second = self.converse(p, push)
        gen = json.loads(first)["generation"]
        self.assertEqual(json.loads(second), {"new": True, "remote": gen + 1, "generation": gen})

if __name__ == "__main__":
    unittest.main()
