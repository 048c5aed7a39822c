"""Twelve-factor settings: everything that differs between deployments comes
from the environment, which `vsync run` fills from the vault.

Required: DJANGO_SECRET_KEY, DATABASE_URL. Optional: DEBUG (default False),
ALLOWED_HOSTS (comma-separated, default localhost,127.0.0.1), and a
service-account JSON file named by GOOGLE_APPLICATION_CREDENTIALS (set it
with `vsync run --file-env gcp-sa.json=GOOGLE_APPLICATION_CREDENTIALS`) or
by GCP_SA_JSON_FILE, the pointer vsync writes for a vault file gcp-sa.json.

Nothing here prints or logs a value: errors name the variable only.
"""
import hashlib
import json
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=None):
    """The variable name, or default; a required one (default None) that is
    missing or empty stops the start naming it."""
    value = os.environ.get(name, "")
    if value:
        return value
    if default is None:
        raise ImproperlyConfigured(f"{name} is not set (push it to the vault)")
    return default


def database_from_url(url):
    """A DATABASES entry from a twelve-factor DATABASE_URL: sqlite:///rel,
    sqlite:////abs, postgres://user:pass@host:port/name. (Use the
    dj-database-url package for more schemes.)"""
    u = urlsplit(url)
    if u.scheme == "sqlite":
        name = u.path[1:]  # sqlite:///db.sqlite3 is relative, sqlite:////x absolute
        if not name:
            raise ImproperlyConfigured("DATABASE_URL: sqlite needs a path")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / name}
    if u.scheme in ("postgres", "postgresql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": u.path[1:],
            "USER": unquote(u.username or ""),
            "PASSWORD": unquote(u.password or ""),
            "HOST": u.hostname or "",
            "PORT": str(u.port or ""),
        }
    # The scheme only: the rest of the URL may hold a password.
    raise ImproperlyConfigured(f"DATABASE_URL: unsupported scheme {u.scheme!r}")


SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = env("DEBUG", "False").lower() in ("1", "true", "yes", "on")
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h.strip()]
DATABASES = {"default": database_from_url(env("DATABASE_URL"))}

# The service account is read once, when the process (each gunicorn worker)
# starts, as Google's client libraries do: a new file reaches the app by a
# reload (`vsync run --watch --reload-signal HUP`: gunicorn starts new
# workers), not by itself. Only its fingerprint is kept for the report.
GCP_CREDENTIALS = None
_sa_path = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS") or os.environ.get("GCP_SA_JSON_FILE")
if _sa_path:
    # Google's libraries look for GOOGLE_APPLICATION_CREDENTIALS.
    os.environ["GOOGLE_APPLICATION_CREDENTIALS"] = _sa_path
    with open(_sa_path, "rb") as f:
        _sa = f.read()
    try:
        json.loads(_sa)
    except ValueError:
        raise ImproperlyConfigured("GOOGLE_APPLICATION_CREDENTIALS: the file is not JSON") from None
    GCP_CREDENTIALS = {"set": True, "length": len(_sa), "sha256": hashlib.sha256(_sa).hexdigest()[:12]}
    del _sa

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "core",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "mysite.urls"
WSGI_APPLICATION = "mysite.wsgi.application"
TEMPLATES = []
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The slow view waits for a file in this directory (see core/views.py).
EXAMPLE_GATE_DIR = os.environ.get("EXAMPLE_GATE_DIR", "")
