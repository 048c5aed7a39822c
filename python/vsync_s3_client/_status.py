"""The status socket of `vsync run` ($VSYNC_STATUS_SOCKET, cmd_status.go).

On each connection vsync writes one JSON line: {"status": "fresh" | "stale" | "rotated"
| "unknown", "env", "generation", "remote_generation", "reason", "vault",
"sources"}, where remote_generation is current.pgp's generation by one HEAD,
reason says (without a secret) why the bucket could not be asked, and
sources lists the child's variables as {"key", "source", "from"} (never a
value; `vsync env` in the child reads it). Fields are only ever added.
ask() maps "unknown" to the exceptions the direct path raises.
"""

import json
import socket

from ._errors import (AccessDeniedError, ManifestNotFoundError, NoSuchBucketError,
                      S3UnreachableError, VsyncError)

_TIMEOUT = 15.0  # askStatus's
_MAX_ANSWER = 16 << 20  # the answer names every variable of the child


def ask(path, timeout=_TIMEOUT):
    """Return the status report (a dict) of the vsync run listening on path."""
    report = _answer(path, timeout)
    if report.get("status") == "unknown":
        reason = str(report.get("reason", ""))
        msg = "vsync run could not ask the bucket: " + (reason or "bucket unreachable")
        if reason == "nothing pushed to the env":
            raise ManifestNotFoundError(msg)
        if reason == "credentials refused":
            raise AccessDeniedError(msg)
        if reason == "bucket missing":
            raise NoSuchBucketError(msg)
        raise S3UnreachableError(msg)
    return report


def _answer(path, timeout):
    """The JSON object vsync run on path answers, whatever its status."""
    if not path:
        raise S3UnreachableError("no status socket: $VSYNC_STATUS_SOCKET is not set "
                                 "(vsync run sets it when it reads the vault from a bucket)")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.settimeout(timeout)
        s.connect(path)
        data = bytearray()
        while len(data) < _MAX_ANSWER:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
            if b"\n" in chunk:
                break
    except OSError as e:
        raise S3UnreachableError("status socket %r: %s" % (path, (e.strerror or type(e).__name__).lower())) from None
    finally:
        s.close()
    try:
        report = json.loads(bytes(data))
        if not isinstance(report, dict):
            raise ValueError
    except ValueError:
        raise S3UnreachableError("status socket %r: malformed answer" % path) from None
    return report


def sources(path, timeout=_TIMEOUT):
    """Return {key: source} of the running child as the vsync run on path
    says ("vault", "env file", "process", "default", "vsync"), or None when
    it cannot say (no socket, no answer, a vsync without sources). The
    sources do not depend on the bucket: an "unknown" status (the bucket
    unreachable, current.pgp gone) still gives them."""
    if not path:
        return None
    try:
        report = _answer(path, timeout)
    except VsyncError:
        return None
    listed = report.get("sources")
    if not isinstance(listed, list):
        return None
    return {str(s.get("key")): str(s.get("source")) for s in listed if isinstance(s, dict)}
