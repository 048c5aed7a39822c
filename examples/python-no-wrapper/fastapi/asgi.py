"""The ASGI entry point: `uvicorn asgi:app`.

app/main.py is the seed's code, unchanged. FastAPI before 0.93 (Debian 12
ships 0.92) takes FastAPI(lifespan=...) into its **extra and never runs it;
Starlette's router, underneath, does support a lifespan, so on such a
FastAPI this hands the seed's lifespan to it. With FastAPI 0.93 or later
this module changes nothing and `uvicorn app.main:app` works as well.
"""

import inspect

from fastapi import FastAPI

from app.main import app, lifespan

if "lifespan" not in inspect.signature(FastAPI.__init__).parameters:
    app.router.lifespan_context = lifespan

__all__ = ["app"]
