"""The FastAPI + Cloud Run example: a twelve-factor app that reads its
configuration from the environment `vsync run` gives it, and knows nothing
of vsync except `vsync status` for its health check."""
import asyncio
import hashlib
import json
import os
import re
import sys
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse

# The variables the app reads.
VARIABLES = ("DATABASE_URL", "API_KEY")

# The longest a slow request waits, in seconds.
SLOW_MAX = 60.0


def fingerprint(value):
    """set, length and a short SHA-256 of value, never value itself."""
    if not value:
        return {"set": False}
    b = value.encode()
    return {"set": True, "length": len(b), "sha256": hashlib.sha256(b).hexdigest()[:12]}


# Read once at start: a changed secret reaches the app by a restart.
START = {
    "env": os.environ.get("VSYNC_ENV", ""),
    "generation": os.environ.get("VSYNC_GENERATION", ""),
    "variables": {name: fingerprint(os.environ.get(name, "")) for name in VARIABLES},
}
GATE_DIR = os.environ.get("EXAMPLE_GATE_DIR", "")

app = FastAPI()


@app.on_event("shutdown")
async def shutdown():
    # Runs after uvicorn has finished the requests in flight.
    print("app: shutdown complete", file=sys.stderr, flush=True)


@app.get("/")
async def root():
    """Which settings the app started with (lengths and short hashes)."""
    return {**START, "pid": os.getpid()}


@app.get("/healthz")
async def healthz():
    """`vsync status --json` of the `vsync run` that started the app: 200
    when fresh or unknown (a network blip must not roll a revision back),
    503 when stale or when vsync cannot tell."""
    try:
        p = await asyncio.create_subprocess_exec(
            "vsync", "status", "--json", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(p.communicate(), timeout=10)
    except (OSError, asyncio.TimeoutError) as e:
        return JSONResponse({"status": "error", "error": type(e).__name__}, status_code=503)
    if p.returncode not in (0, 1):
        sys.stderr.write(err.decode(errors="replace"))
        return JSONResponse({"status": "error", "exit_code": p.returncode}, status_code=503)
    return JSONResponse(json.loads(out), status_code=200 if p.returncode == 0 else 503)


_GATE = re.compile(r"[a-z0-9-]{1,32}")


@app.get("/slow")
async def slow(seconds: float = 1.0, gate: str = ""):
    """/slow?seconds=N waits N seconds (at most 60); /slow?gate=G creates
    $EXAMPLE_GATE_DIR/G.started and waits (at most 60 s) until
    $EXAMPLE_GATE_DIR/G.release exists: a request in flight, to watch what
    a stop does to it."""
    if not gate:
        await asyncio.sleep(min(seconds, SLOW_MAX))
        return {**START, "pid": os.getpid()}
    if not GATE_DIR or not _GATE.fullmatch(gate):
        raise HTTPException(400, "gate: needs EXAMPLE_GATE_DIR and a name [a-z0-9-]")
    d = Path(GATE_DIR)
    (d / f"{gate}.started").write_text(f"{os.getpid()}\n")
    release = d / f"{gate}.release"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SLOW_MAX
    while not release.exists():
        if loop.time() > deadline:
            raise HTTPException(504, "gate not released")
        await asyncio.sleep(0.02)
    return {**START, "pid": os.getpid()}
