"""SigV4: the signature of vsync_s3_client._s3.sign is the AWS CLI's
(botocore's S3SigV4Auth, from the awscli package) for the same request,
credentials and time; and MinIO accepts our GET and HEAD, with root keys
and with STS session credentials."""

import datetime
import os
import sys
import types
import unittest
import warnings
from unittest import mock

from vsync_s3_client import _s3, _token

from . import support

AWSCLI = "/usr/lib/python3/dist-packages/awscli"


def botocore_auth():
    """botocore as the AWS CLI ships it, or a skip (a failure in CI)."""
    if AWSCLI not in sys.path and os.path.isdir(AWSCLI):
        sys.path.append(AWSCLI)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import botocore.auth
            import botocore.awsrequest
            import botocore.credentials
    except ImportError as e:
        if os.environ.get("VSYNC_TEST_REQUIRE_S3") == "1":
            raise AssertionError("botocore of the awscli package is needed (apt-get install awscli): %s" % e)
        raise unittest.SkipTest("botocore (awscli) is not importable")
    return botocore


class SignTest(unittest.TestCase):
    WHEN = datetime.datetime(2026, 11, 28, 23, 59, 7)

    def botocore_headers(self, method, url, region, ak, sk, token):
        bc = botocore_auth()
        creds = bc.credentials.Credentials(ak, sk, token or None)
        req = bc.awsrequest.AWSRequest(method=method, url=url)
        req.context["client_config"] = types.SimpleNamespace(s3={"payload_signing_enabled": True})
        auth = bc.auth.S3SigV4Auth(creds, "s3", region)
        with mock.patch.object(bc.auth.datetime, "datetime", wraps=datetime.datetime) as dt:
            dt.utcnow.return_value = self.WHEN
            auth.add_auth(req)
        return req.headers

    def check(self, method, endpoint, bucket, key, region, path_style, ak="AKIDEXAMPLE",
              sk="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token=""):
        scheme, host, path = _s3.address(endpoint, bucket, key, region, path_style)
        ours = _s3.sign(method, host, path, region, ak, sk, token, amz_date=self.WHEN.strftime("%Y%m%dT%H%M%SZ"))
        url = "%s://%s%s" % (scheme, host, path)
        theirs = self.botocore_headers(method, url, region, ak, sk, token)
        self.assertEqual(ours["Authorization"], theirs["Authorization"], url)
        self.assertEqual(ours["X-Amz-Date"], theirs["X-Amz-Date"])
        self.assertEqual(ours["X-Amz-Content-Sha256"], theirs["X-Amz-Content-SHA256"])
        if token:
            self.assertEqual(ours["X-Amz-Security-Token"], theirs["X-Amz-Security-Token"])
        return scheme, host, path

    def test_path_style_custom_endpoint(self):
        _, host, path = self.check("GET", "http://127.0.0.1:9000", "my-bucket", "apps/web/prod/current.pgp",
                                   "us-east-1", True)
        self.assertEqual((host, path), ("127.0.0.1:9000", "/my-bucket/apps/web/prod/current.pgp"))

    def test_virtual_host_aws(self):
        _, host, path = self.check("HEAD", "", "my-bucket", "p/prod/current.pgp", "eu-central-1", False)
        self.assertEqual((host, path), ("my-bucket.s3.eu-central-1.amazonaws.com", "/p/prod/current.pgp"))

    def test_virtual_host_custom_endpoint_with_session_token(self):
        _, host, _ = self.check("GET", "https://fsn1.your-objectstorage.com", "vault", "x/prod/current.pgp",
                                "fsn1", False, token="FwoGZXIvYXdzEJr//////////wEaDK+/token=")
        self.assertEqual(host, "vault.fsn1.your-objectstorage.com")

    def test_path_style_with_session_token_and_odd_key(self):
        self.check("GET", "https://s3.us-west-2.amazonaws.com", "b", "a b/ü+~/current.pgp", "us-west-2", True,
                   token="tok/with+chars=")

    def test_dotted_bucket_over_https_falls_back_to_path_style(self):
        _, host, path = self.check("GET", "", "my.bucket", "k", "us-east-1", False)
        self.assertEqual((host, path), ("s3.us-east-1.amazonaws.com", "/my.bucket/k"))


    def test_ip_endpoint_is_path_style(self):
        _, host, path = self.check("GET", "http://127.0.0.1:9000", "bucket", "k", "us-east-1", False)
        self.assertEqual((host, path), ("127.0.0.1:9000", "/bucket/k"))
        # IPv6: the Host header keeps its brackets, as Go's net/http sends
        # it (this botocore drops them, so no signature comparison here).
        _, host, path = _s3.address("http://[::1]:9000", "bucket", "k", "us-east-1", False)
        self.assertEqual((host, path), ("[::1]:9000", "/bucket/k"))


class MinioTest(unittest.TestCase):
    """Our signed requests on a real MinIO (started by TestPython)."""

    @classmethod
    def setUpClass(cls):
        cls.spec = support.spec()

    def client(self, config):
        return _s3.Client(_token.parse_token(config), 5)

    def test_get_and_head_with_root_and_sts_keys(self):
        for name in ("prod", "prod-sts-session-token", "prod-minted-token"):
            c = next(c for c in self.spec["cases"] if c["name"] == name)
            with self.subTest(case=name):
                cl = self.client(c["config"])
                h, body = cl.request("GET", "apps/web/prod/current.pgp", 1 << 20)
                self.assertEqual(int(h["x-amz-meta-vsync-generation"]), c["generation"])
                self.assertEqual(len(body), int(h["content-length"]))
                h2, body2 = cl.request("HEAD", "apps/web/prod/current.pgp")
                self.assertEqual(h2["etag"], h["etag"])
                self.assertEqual(body2, b"")

    def test_aws_cli_reads_what_we_read(self):
        # The AWS CLI itself, with the same STS session credentials, gets
        # the same bytes as our signed GET.
        import shutil
        import subprocess
        import tempfile
        aws = shutil.which("aws")
        if not aws:
            if os.environ.get("VSYNC_TEST_REQUIRE_S3") == "1":
                self.fail("aws (awscli) is missing")
            self.skipTest("aws (awscli) is missing")
        c = next(c for c in self.spec["cases"] if c["name"] == "prod-sts-session-token")
        t = _token.parse_token(c["config"])
        _, body = self.client(c["config"]).request("GET", "apps/web/prod/current.pgp", 1 << 20)
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "cur.pgp")
            env = {"PATH": os.environ["PATH"], "HOME": d, "AWS_EC2_METADATA_DISABLED": "true",
                   "AWS_ACCESS_KEY_ID": t.access_key, "AWS_SECRET_ACCESS_KEY": t.secret_key,
                   "AWS_SESSION_TOKEN": t.session_token, "AWS_DEFAULT_REGION": "us-east-1"}
            subprocess.run([aws, "--endpoint-url", t.endpoint, "s3api", "get-object", "--bucket", t.bucket,
                            "--key", "apps/web/prod/current.pgp", out], env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
            with open(out, "rb") as f:
                self.assertEqual(f.read(), body)


if __name__ == "__main__":
    unittest.main()
