"""Runtime tokens: ``vsync-cfg-v1:`` + standard base64 of gzip(JSON).

The port of s3bundle/token.go (ParseToken) and of the env-name check vsync
applies to a token's env. Errors never quote the token.
"""

import base64
import binascii
import gzip
import io
import json
import zlib

from ._errors import TokenError

PREFIX = "vsync-cfg-v1:"
MAX_TOKEN_JSON = 64 << 10  # s3bundle.MaxTokenJSON: bounds a gzip bomb


# Field name -> JSON type, as in s3bundle.Token.
_FIELDS = {
    "bucket": str,
    "prefix": str,
    "env": str,
    "region": str,
    "endpoint": str,
    "path_style": bool,
    "access_key": str,
    "secret_key": str,
    "session_token": str,
}


class Token:
    """A decoded runtime token. repr() shows where, never the keys."""

    __slots__ = tuple(_FIELDS)

    def __init__(self, **kw):
        for name, typ in _FIELDS.items():
            setattr(self, name, kw.get(name, typ()))

    def __repr__(self):
        return "<vsync Token bucket=%r prefix=%r env=%r>" % (self.bucket, self.prefix, self.env)


def _fail(reason):
    return TokenError("invalid runtime token: " + reason)


def parse_token(s):
    """Decode a runtime token as vsync does (s3bundle.ParseToken, then the
    env-name check of `vsync run`). Raises TokenError naming the step that
    failed, never the input."""
    s = s.strip()
    if not s.startswith(PREFIX):
        raise _fail("not a vsync runtime token (want prefix %s)" % PREFIX)
    # Go's base64 decoder skips CR and LF; padding is optional.
    rest = s[len(PREFIX):].replace("\r", "").replace("\n", "").rstrip("=")
    if len(rest) % 4 == 1 or not rest:
        raise _fail("token is not valid base64")
    try:
        raw = base64.b64decode(rest + "=" * (-len(rest) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise _fail("token is not valid base64") from None
    if not raw:
        raise _fail("token is not valid base64")
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as zr:
            js = zr.read(MAX_TOKEN_JSON + 1)
            if len(js) > MAX_TOKEN_JSON:
                raise _fail("token content is larger than %d bytes" % MAX_TOKEN_JSON)
    except (OSError, EOFError, zlib.error):
        raise _fail("token is not valid gzip") from None
    try:
        obj = json.loads(js, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError):
        raise _fail("token JSON is malformed") from None
    t = Token()
    if obj is not None:
        if not isinstance(obj, dict):
            raise _fail("token JSON is malformed")
        # encoding/json matches field names case-insensitively and ignores
        # unknown fields, so that older runtimes read newer tokens.
        for k, v in obj.items():
            name = k.lower()
            typ = _FIELDS.get(name)
            if typ is None or v is None:
                continue
            if type(v) is not typ:
                raise _fail("token JSON is malformed")
            setattr(t, name, v)
    if t.bucket == "":
        raise _fail("token names no bucket")
    if t.env == "":
        raise _fail("token names no env")
    if not _env_name_ok(t.env):
        raise _fail("the token's env is not a valid env name")
    return t


def _reject_constant(name):
    raise ValueError("not JSON")


def _env_name_ok(env):
    """vsync's env names: [a-z0-9][a-z0-9_-]*, at most 64 characters."""
    return 0 < len(env) <= 64 and env[0] in _ENV_START and all(c in _ENV_CHARS for c in env)


_ENV_START = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_ENV_CHARS = _ENV_START | {"_", "-"}
