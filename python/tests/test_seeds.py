"""The seeds' code, unchanged (examples/python-no-wrapper): Django's
settings.py and /healthz under real gunicorn, FastAPI's lifespan, /healthz
and / under real uvicorn, against vaults vsync pushed; each /healthz turns
"stale" after a push."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import unittest

from . import support

READY_TIMEOUT = 60.0


class _UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=30)
        self.path_ = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(self.path_)


def get(sock, path):
    c = _UnixHTTP(sock)
    try:
        c.request("GET", path, headers={"Host": "localhost"})
        r = c.getresponse()
        return r.status, json.loads(r.read())
    finally:
        c.close()


class Server:
    """A server process whose stderr is read line by line; ready once a
    line holds the ready text (its "Listening at" line)."""

    def __init__(self, argv, cwd, env, ready):
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.lines = []
        self.ready = threading.Event()
        self.reader = threading.Thread(target=self._read, args=(ready,), daemon=True)
        self.reader.start()

    def _read(self, ready):
        for line in self.proc.stderr:
            self.lines.append(line)
            if ready in line:
                self.ready.set()
        self.ready.set()  # EOF: wait() then finds the process gone

    def wait_ready(self):
        if not self.ready.wait(READY_TIMEOUT) or self.proc.poll() is not None:
            raise AssertionError("the server did not get ready: %s" % "".join(self.lines)[-3000:])

    def output(self):
        self.reader.join(30)
        self.proc.stderr.close()
        return "".join(self.lines)


class SeedsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.spec = support.spec()
        cls.examples = cls.spec["examples"]

    def env(self, config, passphrase, tmp, **extra):
        e = {"PATH": os.environ["PATH"], "HOME": tmp, "TMPDIR": tmp,
             "PYTHONPATH": os.environ["PYTHONPATH"], "PYTHONDONTWRITEBYTECODE": "1",
             "AWS_EC2_METADATA_DISABLED": "true",
             "VSYNC_CONFIG": config, "VSYNC_PASSPHRASE": passphrase}
        e.update(extra)
        return e

    def serve(self, argv, cwd, env, ready):
        srv = Server(argv, cwd, env, ready)
        self.addCleanup(self.stop, srv)
        srv.wait_ready()
        return srv

    def stop(self, srv):
        p = srv.proc
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        # A sync gunicorn worker notices its master's exit only when its
        # select times out (timeout/2, 15 s): end what is left of the group.
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        srv.output()

    def test_django_settings_read_the_vault(self):
        c = next(c for c in self.spec["cases"] if c["name"] == "prod")
        want = c["values"]
        probe = ("import json, os, django\n"
                 "os.environ['DJANGO_SETTINGS_MODULE'] = 'myproject.settings'\n"
                 "django.setup()\n"
                 "from django.conf import settings as s\n"
                 "db = s.DATABASES['default']\n"
                 "gac = open(os.environ['GOOGLE_APPLICATION_CREDENTIALS'], 'rb').read()\n"
                 "print(json.dumps({'secret': s.SECRET_KEY, 'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS,\n"
                 "  'db': [db['ENGINE'], db['NAME'], db['HOST'], db['PORT']], 'gcp': gac.decode(),\n"
                 "  'gac_mode': os.stat(os.environ['GOOGLE_APPLICATION_CREDENTIALS']).st_mode & 0o777,\n"
                 "  'repr': repr(__import__('myproject.settings').settings._v)}))\n")
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run([sys.executable, "-c", probe], cwd=os.path.join(self.examples, "django"),
                                 env=self.env(c["config"], c["passphrase"], tmp), capture_output=True,
                                 text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr[-3000:])
        got = json.loads(out.stdout)
        self.assertEqual(got["secret"], want["DJANGO_SECRET_KEY"])
        self.assertFalse(got["debug"])
        self.assertEqual(got["hosts"], want["ALLOWED_HOSTS"].split(","))
        self.assertEqual(got["db"][1:], ["app", "db.internal", 5432])
        self.assertIn("postgres", got["db"][0])
        import base64
        self.assertEqual(got["gcp"], base64.b64decode(c["files"]["gcp-sa.json"]).decode())
        self.assertEqual(got["gac_mode"], 0o600)
        support.assert_no_canary(self, got["repr"] + out.stderr, self.spec["canaries"])

    def test_django_healthz_under_gunicorn(self):
        live = self.spec["live"]
        with tempfile.TemporaryDirectory() as tmp:
            sock = os.path.join(tmp, "gunicorn.sock")
            # live's vault has no Django keys: the environment gives them
            # (vault > env > defaults), ALLOWED_HOSTS comes from defaults.
            env = self.env(live["config"], live["passphrase"], tmp, DJANGO_SECRET_KEY="from-env",
                           DATABASE_URL="postgres://u:p@db/app")
            self.serve([sys.executable, "-m", "gunicorn", "--bind", "unix:" + sock, "--workers", "1",
                        "myproject.wsgi"], os.path.join(self.examples, "django"), env, "Listening at: unix:")
            self.check_healthz(sock, "django")

    def test_fastapi_lifespan_under_uvicorn(self):
        live = self.spec["live"]
        with tempfile.TemporaryDirectory() as tmp:
            sock = os.path.join(tmp, "uvicorn.sock")
            env = self.env(live["config"], live["passphrase"], tmp)
            srv = self.serve([sys.executable, "-m", "uvicorn", "--uds", sock, "asgi:app"],
                             os.path.join(self.examples, "fastapi"), env, "Uvicorn running on unix socket")
            gen = self.check_healthz(sock, "fastapi")
            status, body = get(sock, "/")
            self.assertEqual((status, body), (200, {"db": None, "gen": gen}))
            # the lifespan's close() runs at shutdown, and uvicorn exits 0
            srv.proc.send_signal(signal.SIGTERM)
            self.assertEqual(srv.proc.wait(timeout=30), 0)
            out = srv.output()
            self.assertIn("Application startup complete", out)
            self.assertIn("Application shutdown complete", out)
            support.assert_no_canary(self, out, self.spec["canaries"])

    def check_healthz(self, sock, who):
        status, body = get(sock, "/healthz")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["status"], "fresh", body)
        gen = body["gen"]
        support.push_live(self.spec, "%s-%d" % (who, gen))
        status, body = get(sock, "/healthz")
        self.assertEqual((status, body), (200, {"status": "stale", "local_gen": gen, "remote_gen": gen + 1}))
        return gen


if __name__ == "__main__":
    unittest.main()
