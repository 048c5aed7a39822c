"""Shared helpers of the suite. The Go test TestPython (python_test.go)
starts MinIO, pushes vaults with the vsync binary, builds the bad-bundle
corpus, records vsync's verdict on each, and passes it all in the JSON
file $VSYNC_PYTEST_CASES. Without it (the suite run by hand) the tests that
need a bucket skip, unless VSYNC_TEST_REQUIRE_S3=1, where they fail."""

import contextlib
import json
import os
import unittest

_SCRUB = ("VSYNC_CONFIG", "VSYNC_CONFIG_FILE", "VSYNC_PASSPHRASE", "VSYNC_PASSPHRASE_FILE",
          "VSYNC_GENERATION", "VSYNC_ENV", "VSYNC_STATUS_SOCKET")


def spec():
    """The cases file, or a skip (a failure with VSYNC_TEST_REQUIRE_S3=1)."""
    path = os.environ.get("VSYNC_PYTEST_CASES")
    if not path:
        if os.environ.get("VSYNC_TEST_REQUIRE_S3") == "1":
            raise AssertionError("VSYNC_PYTEST_CASES is not set: run the suite with go test -run TestPython")
        raise unittest.SkipTest("needs VSYNC_PYTEST_CASES (go test -run TestPython sets it)")
    with open(path) as f:
        return json.load(f)


@contextlib.contextmanager
def environ(**kv):
    """os.environ with the vsync variables replaced by kv, restored after."""
    saved = {k: os.environ.get(k) for k in set(_SCRUB) | set(kv)}
    try:
        for k in _SCRUB:
            os.environ.pop(k, None)
        for k, v in kv.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def assert_no_canary(tc, text, canaries):
    for c in canaries:
        if c and c in text:
            tc.fail("a secret appears in %s" % ("an error message or repr",))


def push_live(s, value):
    """Push a new generation of the "live" env with the vsync binary, as
    an operator would: GEN=value in its dotenv."""
    import subprocess
    live = s["live"]
    path = os.path.join(live["dir"], "infra", "vault", "live", ".env.live")
    with open(path, "w") as f:
        f.write("GEN=%s\n" % value)
    env = dict(kv.split("=", 1) for kv in live["env"])
    subprocess.run([s["vsync"], "push", "live", "--note", "python suite"], cwd=live["dir"], env=env,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
