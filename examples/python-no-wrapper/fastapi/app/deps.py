from fastapi import Request, Depends
import vsync_s3_client


def get_db_url(request: Request) -> str:
    v: vsync_s3_client.Vsync = request.app.state.vsync
    url = v.get_env("DATABASE_URL")
    if url is None:
        raise RuntimeError("DATABASE_URL not set in vault")
    return url

# In a route:
# @app.get("/items")
# def list_items(db_url: str = Depends(get_db_url)):
#     conn = psycopg.connect(db_url)
#     ...
