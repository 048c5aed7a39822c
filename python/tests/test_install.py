"""`pip install ./python` installs a package that imports and opens with
nothing else on the path (the tests otherwise run it from the folder)."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from . import support

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class InstallTest(unittest.TestCase):
    def test_pip_install(self):
        s = support.spec()
        c = next(c for c in s["cases"] if c["name"] == "prod")
        with tempfile.TemporaryDirectory() as d:
            src, target = os.path.join(d, "src"), os.path.join(d, "site")
            shutil.copytree(HERE, src, ignore=shutil.ignore_patterns("tests", "__pycache__", "build", "*.egg-info"))
            out = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-build-isolation",
                                  "--no-deps", "--no-index", "--target", target, src],
                                 capture_output=True, text=True, timeout=300)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
            env = {"PATH": os.environ["PATH"], "HOME": d, "PYTHONPATH": target,
                   "VSYNC_CONFIG": c["config"], "VSYNC_PASSPHRASE": c["passphrase"]}
            probe = ("import vsync_s3_client as v; h = v.open(); "
                     "print(v.__file__); print(h.generation())")
            out = subprocess.run([sys.executable, "-c", probe], cwd=d, env=env,
                                 capture_output=True, text=True, timeout=60)
            self.assertEqual(out.returncode, 0, out.stderr)
            where, gen = out.stdout.split()
            self.assertTrue(where.startswith(target), where)
            self.assertEqual(int(gen), c["generation"])


if __name__ == "__main__":
    unittest.main()
