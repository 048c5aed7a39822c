"""WSGI entry point: what Vercel's Python runtime (or gunicorn) imports."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myproject.settings")

application = get_wsgi_application()
