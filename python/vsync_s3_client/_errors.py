"""Exceptions of vsync_s3_client, one per failure vsync itself reports.

Each class carries ``exit_code``: the exit code ``vsync run`` gives for the
same failure (README.md, "Exit codes"), so a caller and a test can match the
library's verdict with the binary's. Messages name keys, paths and
generations, never a value, the passphrase or a credential.
"""


class VsyncError(Exception):
    """Base class of every error this package raises."""

    exit_code = 1


class ConfigError(VsyncError):
    """Nothing to open: no runtime token, no passphrase, no credentials,
    or a *_FILE variable naming an empty file (vsync: exit 78)."""

    exit_code = 78


class TokenError(VsyncError, ValueError):
    """VSYNC_CONFIG is not a valid runtime token (vsync: exit 65)."""

    exit_code = 65


class ManifestNotFoundError(VsyncError):
    """Nothing was pushed to the env: current.pgp does not exist, or a
    VSYNC_*_FILE names a missing file (vsync: exit 66)."""

    exit_code = 66


class WrongPassphraseError(VsyncError):
    """The passphrase does not open the bundle (vsync: exit 67)."""

    exit_code = 67


class BundleError(VsyncError):
    """The bundle failed a check and nothing of it was used (vsync: exit 68).

    Subclasses say which check: IntegrityError, UnsafePathError,
    ManifestError, BundleTooLargeError."""

    exit_code = 68


class IntegrityError(BundleError):
    """Tampered or truncated: bad OpenPGP structure or MDC mismatch."""


class UnsafePathError(BundleError):
    """A tar entry is absolute, has '..', is a link or special file, or is
    duplicated."""


class ManifestError(BundleError):
    """The manifest is missing or malformed, does not match the files, the
    payload is not in canonical form, or the bundle is of another env or
    generation than its object says."""


class BundleTooLargeError(BundleError):
    """current.pgp is larger than max_bundle_size; it is not read."""


class S3UnreachableError(VsyncError):
    """The bucket did not answer: network error, timeout, 5xx after
    retries, or a missing bucket (vsync: exit 69)."""

    exit_code = 69


class NoSuchBucketError(S3UnreachableError):
    """The token's bucket does not exist (vsync: exit 69)."""


class AccessDeniedError(VsyncError):
    """The credentials were refused: 401/403 (vsync: exit 71)."""

    exit_code = 71


class S3Error(VsyncError):
    """Another S3 answer that vsync does not classify (vsync: exit 1)."""


class ClosedError(VsyncError, ValueError):
    """A method was called on a handle after close()."""
