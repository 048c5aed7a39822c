"""One signed GET and one signed HEAD of current.pgp.

sign() is AWS Signature Version 4 for S3 requests without a body (GET,
HEAD): path-style or virtual-host addressing, custom endpoints, session
tokens. Errors are classified as s3bundle/s3errors.go does (classifyCode,
classifyStatus), and never quote a URL, a key or a signature.
"""

import hashlib
import hmac
import os
import re
import time

from . import _http
from ._errors import (AccessDeniedError, ConfigError, ManifestNotFoundError,
                      NoSuchBucketError, S3Error, S3UnreachableError)

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
DEFAULT_REGION = "us-east-1"
_ATTEMPTS = 3  # s3bundle.DefaultMaxAttempts
_UNRESERVED = "-_.~"


def _hmac(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def uri_encode_path(path):
    """RFC 3986 encoding of each segment, '/' kept (S3 never double-encodes)."""
    out = []
    for b in path.encode("utf-8"):
        c = chr(b)
        out.append(c if c.isascii() and (c.isalnum() or c in _UNRESERVED or c == "/") else "%%%02X" % b)
    return "".join(out)


def sign(method, host, path, region, access_key, secret_key, session_token="",
         amz_date=None, service="s3", payload_hash=EMPTY_SHA256):
    """Return the headers of a SigV4-signed request with no query and no
    body: Host, X-Amz-Date, X-Amz-Content-Sha256, X-Amz-Security-Token
    (with a session token) and Authorization.

    host is what the Host header carries (with a port unless it is the
    scheme's default); path is the already encoded absolute path;
    amz_date is "YYYYMMDDTHHMMSSZ" (now when None)."""
    if amz_date is None:
        amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    day = amz_date[:8]
    headers = {"host": host, "x-amz-content-sha256": payload_hash, "x-amz-date": amz_date}
    if session_token:
        headers["x-amz-security-token"] = session_token
    names = sorted(headers)
    canonical = "\n".join([
        method, path, "",
        "".join("%s:%s\n" % (k, " ".join(str(headers[k]).split())) for k in names),
        ";".join(names), payload_hash])
    scope = "%s/%s/%s/aws4_request" % (day, region, service)
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    k = _hmac(("AWS4" + secret_key).encode("utf-8"), day)
    k = _hmac(_hmac(_hmac(k, region), service), "aws4_request")
    sig = hmac.new(k, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    out = {"Host": host, "X-Amz-Date": amz_date, "X-Amz-Content-Sha256": payload_hash}
    if session_token:
        out["X-Amz-Security-Token"] = session_token
    out["Authorization"] = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
        access_key, scope, ";".join(names), sig)
    return out


_URL_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)([^?#]*)")
_DNS_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\Z")


def address(endpoint, bucket, key, region, path_style):
    """(scheme, host[:port], path) of the object, as aws-sdk-go-v2 addresses
    it: the endpoint (default https://s3.REGION.amazonaws.com) with the
    bucket in the path (path-style) or as the host's first label. Buckets
    that cannot be a host label (dots over https), and IP endpoints, are
    addressed path-style."""
    if not endpoint:
        endpoint = "https://s3.%s.amazonaws.com" % region
    if "://" not in endpoint:
        endpoint = "https://" + endpoint
    u = _URL_RE.match(endpoint)
    if not u or u.group(1).lower() not in ("http", "https"):
        raise ConfigError("the runtime token's endpoint is not an http(s) URL")
    scheme, host, base = u.group(1).lower(), u.group(2).rpartition("@")[2], u.group(3).rstrip("/")
    if not host:
        raise ConfigError("the runtime token's endpoint is not an http(s) URL")
    virtual = not path_style and _DNS_BUCKET.match(bucket) and ".." not in bucket \
        and not (scheme == "https" and "." in bucket) and not _is_ip(host)
    if virtual:
        host = bucket + "." + host
        path = base + "/" + key
    else:
        path = base + "/" + bucket + "/" + key
    return scheme, host, uri_encode_path(path)


def _is_ip(host):
    """Whether host[:port] is an IP literal, which S3 endpoint rules address
    path-style whatever the token says (no bucket subdomain of an IP)."""
    if host.startswith("["):
        return True
    name = host.rpartition(":")[0] if ":" in host else host
    parts = name.split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts)


class Client:
    """GET and HEAD of one object, signed with static credentials."""

    def __init__(self, token, timeout):
        self.region = token.region
        if token.access_key:
            creds = (token.access_key, token.secret_key, token.session_token)
            if not self.region:
                self.region = DEFAULT_REGION
        else:
            creds = _env_credentials()
            if not self.region:
                self.region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
        self._creds = creds
        self.bucket = token.bucket
        self.timeout = timeout
        self._token = token

    def __repr__(self):
        return "<vsync S3 client s3://%s>" % self.bucket

    def request(self, method, key, max_size=None):
        """Send method (GET or HEAD) for key. Returns (headers dict with
        lower-case names, body bytes or None). Raises the classified
        error. Retries transport failures and 5xx, as the Go SDK does."""
        scheme, host, path = address(self._token.endpoint, self.bucket, key, self.region, self._token.path_style)
        where = "s3://%s/%s" % (self.bucket, key)
        last = None
        for attempt in range(_ATTEMPTS):
            if attempt:
                time.sleep(min(0.05 * (2 ** attempt), 1.0))
            hdrs = sign(method, host, path, self.region, *self._creds)
            try:
                status, rh, body = _http.request(scheme, host, method, path, hdrs, self.timeout,
                                                 max_size if method == "GET" else 64 << 10)
            except _http.TooLarge as e:
                from ._errors import BundleTooLargeError
                raise BundleTooLargeError("%s is %s bytes, more than the maximum bundle size %d (max_bundle_size)"
                                          % (where, e.size, max_size)) from None
            except OSError as e:
                last = S3UnreachableError("%s %s: storage endpoint unreachable (%s)" % (method, where, _net_detail(e)))
                continue
            if status == 200:
                return rh, body
            err = _classify(method, where, status, rh, body)
            if isinstance(err, S3UnreachableError) and not isinstance(err, NoSuchBucketError):
                last = err
                continue
            raise err
        raise last


def _net_detail(e):
    if isinstance(e, TimeoutError) or "timed out" in str(e):
        return "timed out"
    if isinstance(e, _http.ProtocolError):
        return str(e)
    if isinstance(e, OSError) and e.strerror:
        return e.strerror.lower()
    return type(e).__name__




def _classify(method, where, status, rh, body):
    code = rh.get("x-minio-error-code", "")
    if not code and body:
        m = re.search(rb"<Code>([^<]{1,64})</Code>", body)
        if m:
            code = m.group(1).decode("ascii", "replace")
    detail = "HTTP %d%s" % (status, " " + code if code else "")
    if code == "NoSuchBucket":
        return NoSuchBucketError("%s %s: bucket does not exist (%s)" % (method, where, detail))
    if code in ("NoSuchKey", "NotFound") or (code not in _DENIED and status == 404):
        return ManifestNotFoundError("%s %s: object does not exist (%s)" % (method, where, detail))
    if code in _DENIED or status in (401, 403):
        return AccessDeniedError("%s %s: access denied (%s)" % (method, where, detail))
    if status >= 500:
        return S3UnreachableError("%s %s: storage endpoint unreachable (%s)" % (method, where, detail))
    return S3Error("%s %s: %s" % (method, where, detail))


_DENIED = {"AccessDenied", "Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch",
           "ExpiredToken", "InvalidToken", "TokenRefreshRequired", "AllAccessDisabled",
           "AccountProblem", "InvalidSecurity"}


def _env_credentials():
    """The standard chain's environment step: AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN; then the shared credentials
    file's profile (AWS_PROFILE or "default")."""
    ak, sk = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if ak and sk:
        return ak, sk, os.environ.get("AWS_SESSION_TOKEN", "")
    path = os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or os.path.join(os.path.expanduser("~"), ".aws", "credentials")
    if os.path.exists(path):
        import configparser
        cp = configparser.RawConfigParser()
        try:
            cp.read(path)
        except configparser.Error:
            raise ConfigError("the shared credentials file %r is malformed" % path) from None
        prof = os.environ.get("AWS_PROFILE") or "default"
        if cp.has_section(prof) and cp.has_option(prof, "aws_access_key_id") and cp.has_option(prof, "aws_secret_access_key"):
            tok = cp.get(prof, "aws_session_token") if cp.has_option(prof, "aws_session_token") else ""
            return cp.get(prof, "aws_access_key_id"), cp.get(prof, "aws_secret_access_key"), tok
    raise ConfigError("no AWS credentials: the runtime token holds no key, and neither AWS_ACCESS_KEY_ID/"
                      "AWS_SECRET_ACCESS_KEY nor a shared credentials profile gives one")
