"""What the app was started with, safe to show: for each setting whether it
is set, its length and the first 12 hex digits of its SHA-256, never the
value."""
import hashlib
import os

from django.conf import settings

# The variables the settings read.
VARIABLES = ("DJANGO_SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "DEBUG")


def fingerprint(value):
    """set, length and a short SHA-256 of value, never value itself."""
    if not value:
        return {"set": False}
    b = value.encode()
    return {"set": True, "length": len(b), "sha256": hashlib.sha256(b).hexdigest()[:12]}


def _at_start():
    # Read once when the process imports this module (at start), as the
    # settings are.
    return {
        "env": os.environ.get("VSYNC_ENV", ""),
        "generation": os.environ.get("VSYNC_GENERATION", ""),
        "variables": {name: fingerprint(os.environ.get(name, "")) for name in VARIABLES},
    }


_START = _at_start()


def report():
    """The report of this process (a gunicorn worker)."""
    return {
        **_START,
        "pid": os.getpid(),
        "debug": settings.DEBUG,
        "database_engine": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "credentials": settings.GCP_CREDENTIALS or {"set": False},
    }
