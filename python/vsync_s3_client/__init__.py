"""vsync_s3_client: read a vsync vault in-process, for apps that cannot be
started under `vsync run` (a platform that imports the WSGI/ASGI module
itself). It reads the same bucket layout and bundles as vsync:

    v = vsync_s3_client.open(defaults={"DEBUG": "False"})
    v.get_env("DATABASE_URL")        # vault, then os.environ, then defaults
    v.get_as_content("gcp-sa.json")  # bytes of a vault file, None if absent
    v.env_source("DATABASE_URL")     # "vault" | "env" | "default" | None
    v.generation(), v.remote_generation(), v.has_new_version(), v.close()

open() finds the vault as vsync does: VSYNC_CONFIG or VSYNC_CONFIG_FILE (a
runtime token) with VSYNC_PASSPHRASE or VSYNC_PASSPHRASE_FILE, one GET of
<prefix>/<env>/current.pgp, every check of vsync's reader before a value is
used. Under `vsync run` (no token, VSYNC_GENERATION set) it reads what vsync
injected instead, and asks vsync's status socket for the remote generation.
Errors are the classes of ._errors, each with vsync's exit code.
"""

import os as _os
import threading as _threading

from ._errors import (AccessDeniedError, BundleError, BundleTooLargeError, ClosedError,
                      ConfigError, IntegrityError, ManifestError, ManifestNotFoundError,
                      NoSuchBucketError, S3Error, S3UnreachableError, TokenError,
                      UnsafePathError, VsyncError, WrongPassphraseError)
from ._dotenv import DotenvSyntaxError

__all__ = [
    "open", "Vsync", "DEFAULT_MAX_BUNDLE_SIZE", "env_file_name",
    "VsyncError", "ConfigError", "TokenError", "ManifestNotFoundError", "VsyncFileNotFoundError",
    "WrongPassphraseError", "BundleError", "IntegrityError", "UnsafePathError",
    "ManifestError", "BundleTooLargeError", "S3UnreachableError", "NoSuchBucketError",
    "AccessDeniedError", "S3Error", "ClosedError", "DotenvSyntaxError",
]

__version__ = "0.11.0"

#: Largest current.pgp open() reads (bytes): a bigger object is refused
#: with BundleTooLargeError before its body is read.
DEFAULT_MAX_BUNDLE_SIZE = 64 << 20

#: Never read from, nor given out of, the environment: they unlock the
#: vault (vsync never passes them to a child either).
_SCRUBBED = frozenset(("VSYNC_CONFIG", "VSYNC_CONFIG_FILE", "VSYNC_PASSPHRASE", "VSYNC_PASSPHRASE_FILE"))


class VsyncFileNotFoundError(VsyncError, FileNotFoundError):
    """VSYNC_CONFIG_FILE or VSYNC_PASSPHRASE_FILE names a file that cannot
    be read (vsync: exit 66)."""

    exit_code = 66


def env_file_name(path):
    """The variable `vsync run` points at a vault file: the path upper-cased,
    every other character '_', then _FILE (gcp-sa.json -> GCP_SA_JSON_FILE)."""
    out = []
    for ch in path:
        if "a" <= ch <= "z":
            out.append(ch.upper())
        elif "A" <= ch <= "Z" or "0" <= ch <= "9":
            out.append(ch)
        else:
            out.append("_")
    return "".join(out) + "_FILE"


def _read_file(var, path, flags=0):
    try:
        with _os.fdopen(_os.open(path, _os.O_RDONLY | getattr(_os, "O_CLOEXEC", 0) | flags), "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise VsyncFileNotFoundError("%s: open %s: no such file or directory" % (var, path)) from None
    except OSError as e:
        raise VsyncFileNotFoundError("%s: open %s: %s" % (var, path, (e.strerror or "unreadable").lower())) from None


def _passphrase(environ):
    p = environ.get("VSYNC_PASSPHRASE", "")
    if p:
        return bytearray(p.encode("utf-8", "surrogateescape"))
    f = environ.get("VSYNC_PASSPHRASE_FILE", "")
    if not f:
        return None
    data = _read_file("VSYNC_PASSPHRASE_FILE", f)
    line = data.split(b"\n", 1)[0]
    if line.endswith(b"\r"):
        line = line[:-1]
    if not line:
        raise ConfigError("VSYNC_PASSPHRASE_FILE: passphrase file %r is empty" % f)
    return bytearray(line)


def open(defaults=None, *, timeout=30.0, max_bundle_size=DEFAULT_MAX_BUNDLE_SIZE):  # noqa: A001
    """Open the vault and return a Vsync handle.

    defaults: values for keys that neither the vault nor os.environ has
    (a None value is no default).
    timeout: seconds for each network step (connect, send, each read);
    a request is tried three times on a network error or a 5xx.
    max_bundle_size: the largest current.pgp read, in bytes.

    Raises ConfigError (nothing to open), TokenError, VsyncFileNotFoundError,
    ManifestNotFoundError, WrongPassphraseError, BundleError (and its
    subclasses), S3UnreachableError, AccessDeniedError, DotenvSyntaxError.
    Whatever it raises carries no local variable of this package's frames
    (_forget_locals): error trackers that record them find no token,
    passphrase or value.
    """
    return _without_locals(_open, defaults, timeout, max_bundle_size)


def _without_locals(fn, *args):
    """fn(*args), and whatever it raises stripped of what this package's
    frames held (_forget_locals). args must hold no secret: this frame is
    still running when the exception leaves it, so it keeps them."""
    try:
        return fn(*args)
    except BaseException as e:
        _forget_locals(e)
        raise


def _forget_locals(exc):
    """Clear the local variables of every finished frame in exc's
    traceback, and in those of the exceptions chained to it (__cause__,
    __context__) that this package raised or caught, and drop a
    __context__ that `raise ... from None` hid (a JSONDecodeError's doc
    would be the token's JSON). Tracebacks still say where (file, line,
    function); only the locals go: the token, the passphrase, the
    decrypted payload and the signed request headers lived there. Frames
    still running (the caller's, and _without_locals') are left alone."""
    seen = set()
    todo = [(exc, True)]
    while todo:
        x, ours = todo.pop()
        if x is None or id(x) in seen:
            continue
        seen.add(id(x))
        tb = x.__traceback__
        if not ours and (tb is None or not tb.tb_frame.f_globals.get("__name__", "").startswith(__name__)):
            continue  # the caller's own exception, which open() was called while handling
        while tb is not None:
            try:
                tb.tb_frame.clear()
            except RuntimeError:
                pass  # still running
            tb = tb.tb_next
        if x.__suppress_context__:
            x.__context__ = None
        todo += [(x.__cause__, False), (x.__context__, False)]


def _open(defaults, timeout, max_bundle_size):
    defaults = {str(k): str(v) for k, v in (defaults or {}).items() if v is not None}
    environ = _os.environ
    raw, var = environ.get("VSYNC_CONFIG", ""), "VSYNC_CONFIG"
    if not raw and environ.get("VSYNC_CONFIG_FILE", ""):
        var = "VSYNC_CONFIG_FILE"
        raw = _read_file(var, environ["VSYNC_CONFIG_FILE"]).decode("utf-8", "replace")
    if raw:
        from ._token import parse_token
        try:
            tok = parse_token(raw)
        except TokenError as e:
            raise TokenError("%s: %s" % (var, e)) from None
        pw = _passphrase(environ)
        if pw is None:
            raise ConfigError("VSYNC_CONFIG is set but VSYNC_PASSPHRASE is not")
        try:
            return _open_token(tok, pw, defaults, timeout, max_bundle_size)
        finally:
            _zero(pw)
    gen = environ.get("VSYNC_GENERATION", "")
    if gen:
        if not gen.isdigit():
            raise ConfigError("VSYNC_GENERATION is not a generation number")
        return Vsync(_Wrapped(environ.get("VSYNC_ENV", ""), int(gen), environ.get("VSYNC_STATUS_SOCKET", "")),
                     {}, {}, defaults)
    raise ConfigError("nothing to open: set VSYNC_CONFIG or VSYNC_CONFIG_FILE (a runtime token) and "
                      "VSYNC_PASSPHRASE or VSYNC_PASSPHRASE_FILE, or start the app under \"vsync run\"")


def _zero(b):
    for i in range(len(b)):
        b[i] = 0


def _open_token(tok, pw, defaults, timeout, max_bundle_size):
    from ._openpgp import decrypt
    from ._payload import parse_payload
    from ._dotenv import parse_dotenv
    from ._s3 import Client

    client = Client(tok, timeout)
    key = _current_key(tok)
    headers, body = _nothing_pushed(tok.env, lambda: client.request("GET", key, max_bundle_size))
    label = _generation_header(headers)
    what = 'current.pgp of env "%s"' % tok.env
    try:
        payload = decrypt(body, bytes(pw))
        m, files = parse_payload(payload)
    except BundleError as e:
        raise type(e)("%s: %s" % (what, e)) from None
    except WrongPassphraseError as e:
        raise WrongPassphraseError("%s: %s" % (what, e)) from None
    if m.env != tok.env:
        raise ManifestError('%s holds env "%s": ' "bundle manifest does not match its contents" % (what, m.env))
    if label and label != m.generation:
        raise ManifestError("%s is labelled generation %d but holds %d: bundle manifest does not match its contents"
                            % (what, label, m.generation))
    dotenv_path = ".env." + tok.env
    vault = {}
    if dotenv_path in files:
        def lookup(name):
            v = _os.environ.get(name) if name not in _SCRUBBED else None
            return v if v is not None else defaults.get(name)
        vault = parse_dotenv("vault:%s/%s" % (tok.env, dotenv_path), files[dotenv_path][1], lookup)
    blobs = {p: bytearray(d) for p, (mode, d) in files.items() if p != dotenv_path}
    return Vsync(_Direct(tok.env, m.generation, client, key), vault, blobs, defaults)


def _nothing_pushed(env, request):
    """request(), with a missing current.pgp said as vsync says it."""
    try:
        return request()
    except ManifestNotFoundError as e:
        raise ManifestNotFoundError('nothing was pushed to env "%s" yet (%s)' % (env, e)) from None


def _current_key(tok):
    base = tok.env if not tok.prefix else tok.prefix + "/" + tok.env
    return base + "/current.pgp"


def _generation_header(headers):
    v = headers.get("x-amz-meta-vsync-generation", "")
    return int(v) if v.isdigit() and int(v) < 1 << 64 else 0


class _Direct:
    """A vault read from the bucket with a runtime token."""

    def __init__(self, env, gen, client, key):
        self.env, self.gen, self._client, self._key = env, gen, client, key

    def remote_generation(self):
        headers, _ = _nothing_pushed(self.env, lambda: self._client.request("HEAD", self._key))
        return _generation_header(headers)

    def file(self, path, blobs):
        b = blobs.get(path)
        return None if b is None else bytes(b)


def _in_private_dir(where, path, socket):
    """Whether where is path inside the private directory `vsync run`
    wrote the vault's files to: the directory of its status socket when
    there is one, else a directory named as vsync names them
    (vsync-PID-RANDOM); either way a directory of this user's, mode 0700
    (launcher.NewPrivateDir). A *_FILE variable naming any other file (one
    that came from the outer environment) is not a vault file."""
    import re
    import stat
    suffix = _os.sep + path
    if not where.endswith(suffix):
        return False
    d = where[:-len(suffix)]
    if socket and d != _os.path.dirname(socket):
        return False
    if not re.match(r"vsync-[0-9]+-[0-9a-f]{16}\Z", _os.path.basename(d)) or not _os.path.isabs(d):
        return False
    try:
        st = _os.lstat(d)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == _os.geteuid() and st.st_mode & 0o077 == 0


class _Wrapped:
    """Under `vsync run`: vsync read the vault and injected it."""

    def __init__(self, env, gen, socket_path):
        self.env, self.gen, self._socket = env, gen, socket_path
        self._sources = None  # {key: source} once asked
        self._sources_lock = _threading.Lock()

    def remote_generation(self):
        from ._status import ask
        return int(ask(self._socket).get("remote_generation", 0) or 0)

    def from_vault(self, key):
        """Whether vsync run took key from the vault, as it says on its
        status socket (asked once, then remembered: the sources of a
        running child never change). False when it cannot say."""
        with self._sources_lock:
            if self._sources is None:
                from ._status import sources
                self._sources = sources(self._socket) or {}
            return self._sources.get(key) == "vault"

    def file(self, path, blobs):
        from ._payload import check_path
        b = blobs.get(path)
        if b is not None:
            return bytes(b)
        try:
            check_path(path)
        except UnsafePathError:
            return None
        where = _os.environ.get(env_file_name(path))
        if not where or not _in_private_dir(where, path, self._socket):
            return None
        try:
            data = _read_file(env_file_name(path), where, _os.O_NOFOLLOW)
        except VsyncFileNotFoundError:
            return None
        blobs[path] = bytearray(data)
        return data


class Vsync:
    """An opened vault. get_env, env_source and get_as_content read memory
    (and os.environ) only, but for env_source's one question to vsync under
    `vsync run`, and are safe from many threads. repr() names the
    env and generation, never a key, a value or the passphrase."""

    __slots__ = ("_src", "_vault", "_blobs", "_defaults", "_closed", "_lock", "__weakref__")

    def __init__(self, src, vault, blobs, defaults):
        self._src, self._vault, self._blobs, self._defaults = src, vault, blobs, defaults
        self._closed = False
        self._lock = _threading.Lock()

    def _check(self):
        if self._closed:
            raise ClosedError("vsync handle is closed")

    def get_env(self, key):
        """The value of key: the vault's, else os.environ's, else the
        defaults'; None when none has it. VSYNC_CONFIG* and
        VSYNC_PASSPHRASE* are never given out."""
        self._check()
        if key in _SCRUBBED:
            return None
        v = self._vault.get(key)
        if v is not None:
            return v
        v = _os.environ.get(key)
        if v is not None:
            return v
        return self._defaults.get(key)

    def env_source(self, key):
        """Where get_env(key) comes from: "vault", "env", "default" or None.
        Never the value. Under `vsync run` the vault's keys are in the
        environment; the first call asks vsync on $VSYNC_STATUS_SOCKET which
        came from the vault (one round trip, then remembered), and without
        an answer they say "env"."""
        self._check()
        if key in _SCRUBBED:
            return None
        if key in self._vault:
            return "vault"
        if key in _os.environ:
            from_vault = getattr(self._src, "from_vault", None)
            if from_vault is not None and from_vault(key):
                return "vault"
            return "env"
        if key in self._defaults:
            return "default"
        return None

    def get_as_content(self, path):
        """The bytes of the vault file at path (relative to infra/vault/ENV/),
        None when the vault has no such file. Under `vsync run` it reads
        the file vsync wrote, named by its *_FILE variable, and only from
        vsync's private directory (a *_FILE naming a file elsewhere, from
        the outer environment, is no vault file: None)."""
        self._check()
        with self._lock:
            return self._src.file(path, self._blobs)

    def generation(self):
        """The generation opened (under `vsync run`, VSYNC_GENERATION)."""
        self._check()
        return self._src.gen

    def remote_generation(self):
        """current.pgp's generation now: one HEAD (under `vsync run`, asked
        on $VSYNC_STATUS_SOCKET). Raises S3UnreachableError,
        ManifestNotFoundError, AccessDeniedError."""
        self._check()
        return _without_locals(self._src.remote_generation)

    def has_new_version(self):
        """remote_generation() > generation()."""
        return self.remote_generation() > self.generation()

    def close(self):
        """Drop the values; file contents are zeroed (values held as Python
        strings cannot be, best effort). Later calls raise ClosedError."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for b in self._blobs.values():
                _zero(b)
            self._blobs.clear()
            self._vault.clear()
            self._defaults = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        state = "closed" if self._closed else "generation=%d" % self._src.gen
        return "<vsync_s3_client.Vsync env=%r %s>" % (self._src.env, state)

    __str__ = __repr__

    def __reduce__(self):
        raise TypeError("a vsync handle holds secrets and cannot be pickled or copied")

    def __copy__(self):
        raise TypeError("a vsync handle holds secrets and cannot be pickled or copied")

    __deepcopy__ = __reduce_ex__ = lambda self, *a: Vsync.__reduce__(self)
