"""https endpoints: the library's TLS path (certificate and host name
checked, AWS_CA_BUNDLE honoured) against the real MinIO, reached through a
TLS-terminating relay on loopback that passes MinIO's bytes through."""

import datetime
import os
import socket
import ssl
import tempfile
import threading
import unittest

import vsync_s3_client
from vsync_s3_client import _token

from . import support


def self_signed(dirname, host):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.utcnow()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cf, kf = os.path.join(dirname, "cert.pem"), os.path.join(dirname, "key.pem")
    with open(cf, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(kf, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return cf, kf


class Relay:
    """Accepts TLS on 127.0.0.1 and relays each connection to target."""

    def __init__(self, certfile, keyfile, target):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(certfile, keyfile)
        self.target = target
        self.ln = socket.create_server(("127.0.0.1", 0))
        self.port = self.ln.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _ = self.ln.accept()
            except OSError:
                return
            threading.Thread(target=self.relay, args=(conn,), daemon=True).start()

    def relay(self, conn):
        try:
            tls = self.ctx.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):
            conn.close()
            return
        up = socket.create_connection(self.target)

        def pump(a, b):
            try:
                while True:
                    data = a.recv(65536)
                    if not data:
                        break
                    b.sendall(data)
            except OSError:
                pass
            finally:
                for s in (a, b):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        t = threading.Thread(target=pump, args=(up, tls), daemon=True)
        t.start()
        pump(tls, up)
        t.join(30)
        tls.close()
        up.close()

    def close(self):
        self.ln.close()


class TLSTest(unittest.TestCase):
    def test_open_over_https(self):
        s = support.spec()
        c = next(c for c in s["cases"] if c["name"] == "prod")
        t = _token.parse_token(c["config"])
        host, port = t.endpoint.split("://", 1)[1].rsplit(":", 1)
        with tempfile.TemporaryDirectory() as d:
            cf, kf = self_signed(d, "localhost")
            relay = Relay(cf, kf, (host, int(port)))
            self.addCleanup(relay.close)
            tok = self.retoken(c["config"], "https://localhost:%d" % relay.port)
            with support.environ(VSYNC_CONFIG=tok, VSYNC_PASSPHRASE=c["passphrase"], AWS_CA_BUNDLE=cf):
                v = vsync_s3_client.open(timeout=10)
                self.assertEqual(v.generation(), c["generation"])
                self.assertEqual(v.get_env("DATABASE_URL"), c["values"]["DATABASE_URL"])
                self.assertEqual(v.remote_generation(), c["generation"])
            # Without the CA the certificate is refused: the bucket did not
            # answer as itself, S3UnreachableError.
            with support.environ(VSYNC_CONFIG=tok, VSYNC_PASSPHRASE=c["passphrase"], AWS_CA_BUNDLE=None):
                with self.assertRaises(vsync_s3_client.S3UnreachableError) as cm:
                    vsync_s3_client.open(timeout=10)
            self.assertIn("certificate", str(cm.exception))

    @staticmethod
    def retoken(config, endpoint):
        import base64
        import gzip
        import json
        raw = json.loads(gzip.decompress(base64.b64decode(config[len(_token.PREFIX):])))
        raw["endpoint"] = endpoint
        return _token.PREFIX + base64.b64encode(gzip.compress(json.dumps(raw).encode())).decode()


if __name__ == "__main__":
    unittest.main()
