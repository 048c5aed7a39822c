from contextlib import asynccontextmanager
from fastapi import FastAPI
import vsync_s3_client
from vsync_s3_client import S3UnreachableError, ManifestNotFoundError


@asynccontextmanager
async def lifespan(app: FastAPI):
    # Open at startup — one S3 round trip, then in-memory forever
    app.state.vsync = vsync_s3_client.open(defaults={"PORT": "8080"})
    yield
    # Close at shutdown — best-effort buffer zeroing
    app.state.vsync.close()

app = FastAPI(lifespan=lifespan)


@app.get("/healthz")
def healthz():
    v = app.state.vsync
    try:
        if v.has_new_version():
            return {
                "status": "stale",
                "local_gen": v.generation(),
                "remote_gen": v.remote_generation(),
            }
        return {"status": "fresh", "gen": v.generation()}
    except (S3UnreachableError, ManifestNotFoundError):
        # Don't trigger a Cloud Run revision rollback on transient network failure
        return {"status": "unknown", "gen": v.generation()}


@app.get("/")
def root():
    v = app.state.vsync
    # env_source is safe to surface — never the value itself
    return {"db": v.env_source("DATABASE_URL"), "gen": v.generation()}
