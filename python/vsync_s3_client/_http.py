"""One HTTP/1.1 request per connection over a socket (TLS for https).

http.client would do, but importing it pulls in the email package: about
20 ms of a cold start whose whole budget is 30 ms (docs/benchmarks.md). S3
answers a GET or HEAD with a Content-Length (or chunked) body, and
"Connection: close" keeps the rest simple. Errors are OSError subclasses
and never quote a header.
"""

import socket


class ProtocolError(OSError):
    """The server's answer is not HTTP/1.x this client can read."""


class TooLarge(Exception):
    """The body is longer than the caller's limit."""

    def __init__(self, size):
        super().__init__(size)
        self.size = size


_MAX_HEAD = 64 << 10


def request(scheme, host, method, path, headers, timeout, max_body):
    """Send one request and return (status, headers with lower-case names,
    body bytes). The body is read only for methods other than HEAD, and is
    at most max_body bytes (TooLarge otherwise)."""
    name, _, port = host.rpartition(":") if host.rfind(":") > host.rfind("]") else (host, "", "")
    name = name.strip("[]")
    port = int(port) if port else (443 if scheme == "https" else 80)
    sock = socket.create_connection((name, port), timeout=timeout)
    try:
        if scheme == "https":
            import os
            import ssl
            ctx = ssl.create_default_context(cafile=os.environ.get("AWS_CA_BUNDLE") or None)
            sock = ctx.wrap_socket(sock, server_hostname=name)
        lines = ["%s %s HTTP/1.1" % (method, path)]
        lines += ["%s: %s" % kv for kv in headers.items()]
        lines += ["Connection: close", "Accept-Encoding: identity", "", ""]
        sock.sendall("\r\n".join(lines).encode("utf-8"))
        return _response(sock, method, max_body)
    finally:
        sock.close()


def _response(sock, method, max_body):
    buf = bytearray()
    while True:
        end = buf.find(b"\r\n\r\n")
        if end >= 0:
            break
        if len(buf) > _MAX_HEAD:
            raise ProtocolError("response header too long")
        chunk = sock.recv(65536)
        if not chunk:
            raise ProtocolError("connection closed before the response header")
        buf += chunk
    head = bytes(buf[:end]).decode("iso-8859-1").split("\r\n")
    rest = buf[end + 4:]
    parts = head[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise ProtocolError("malformed status line")
    status = int(parts[1])
    hdrs = {}
    for line in head[1:]:
        k, sep, v = line.partition(":")
        if not sep:
            raise ProtocolError("malformed header line")
        hdrs[k.strip().lower()] = v.strip()
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return status, hdrs, b""
    if "chunked" in hdrs.get("transfer-encoding", "").lower():
        return status, hdrs, _chunked(sock, rest, max_body)
    n = hdrs.get("content-length")
    if n is not None:
        if not n.isdigit():
            raise ProtocolError("malformed Content-Length")
        n = int(n)
        if n > max_body:
            raise TooLarge(n)
        while len(rest) < n:
            chunk = sock.recv(min(1 << 20, n - len(rest)))
            if not chunk:
                raise ProtocolError("connection closed before the whole body was read")
            rest += chunk
        return status, hdrs, bytes(rest[:n])
    while True:  # to EOF
        if len(rest) > max_body:
            raise TooLarge(len(rest))
        chunk = sock.recv(1 << 20)
        if not chunk:
            return status, hdrs, bytes(rest)
        rest += chunk


def _chunked(sock, rest, max_body):
    out = bytearray()
    buf = rest

    def fill(n):
        nonlocal buf
        while len(buf) < n:
            chunk = sock.recv(1 << 20)
            if not chunk:
                raise ProtocolError("connection closed inside a chunked body")
            buf += chunk

    while True:
        i = buf.find(b"\r\n")
        while i < 0:
            if len(buf) > _MAX_HEAD:
                raise ProtocolError("malformed chunk")
            fill(len(buf) + 1)
            i = buf.find(b"\r\n")
        size_s = bytes(buf[:i]).split(b";")[0].strip()
        try:
            size = int(size_s, 16)
        except ValueError:
            raise ProtocolError("malformed chunk") from None
        if size == 0:
            return bytes(out)
        if len(out) + size > max_body:
            raise TooLarge(len(out) + size)
        fill(i + 2 + size + 2)
        out += buf[i + 2:i + 2 + size]
        buf = buf[i + 2 + size + 2:]
