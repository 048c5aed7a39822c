"""The web process: a plain WSGI app for gunicorn that reports which
settings it started with (lengths and short hashes, never values)."""
import hashlib
import json
import os

# The variables the app reads.
VARIABLES = ("SECRET_KEY", "DATABASE_URL")


def fingerprint(value):
    """set, length and a short SHA-256 of value, never value itself."""
    if not value:
        return {"set": False}
    b = value.encode()
    return {"set": True, "length": len(b), "sha256": hashlib.sha256(b).hexdigest()[:12]}


# Read once at start, as a twelve-factor app reads its config.
START = {
    "ps": os.environ.get("PS", ""),
    "env": os.environ.get("VSYNC_ENV", ""),
    "variables": {name: fingerprint(os.environ.get(name, "")) for name in VARIABLES},
}


def app(environ, start_response):
    body = json.dumps({**START, "pid": os.getpid()}).encode() + b"\n"
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
