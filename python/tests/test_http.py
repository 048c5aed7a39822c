"""_http's response reader over a real socket pair: the body framings an S3
server may use (Content-Length, chunked, to EOF), HEAD, the size limit, and
refusal of what is not HTTP/1.x."""

import socket
import threading
import unittest

from vsync_s3_client import _http


def answer(raw, method="GET", limit=1 << 20):
    a, b = socket.socketpair()
    t = threading.Thread(target=lambda: (b.sendall(raw), b.close()))
    t.start()
    try:
        return _http._response(a, method, limit)
    finally:
        t.join()
        a.close()


class ResponseTest(unittest.TestCase):
    def test_content_length(self):
        st, h, body = answer(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Amz-Meta-Vsync-Generation: 7\r\n\r\nhello")
        self.assertEqual((st, h["x-amz-meta-vsync-generation"], body), (200, "7", b"hello"))

    def test_chunked(self):
        raw = (b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"4\r\n<Cod\r\n10;ext=1\r\ne>NoSuchKey</Cod\r\n2\r\ne>\r\n0\r\n\r\n")
        st, _, body = answer(raw)
        self.assertEqual((st, body), (404, b"<Code>NoSuchKey</Code>"))

    def test_to_eof_and_head(self):
        self.assertEqual(answer(b"HTTP/1.0 200 OK\r\n\r\nall of it")[2], b"all of it")
        st, h, body = answer(b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", method="HEAD")
        self.assertEqual((st, h["content-length"], body), (200, "99", b""))

    def test_limit(self):
        with self.assertRaises(_http.TooLarge):
            answer(b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world", limit=10)
        with self.assertRaises(_http.TooLarge):
            answer(b"HTTP/1.1 200 OK\r\n\r\nhello world", limit=10)
        with self.assertRaises(_http.TooLarge):
            answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nb\r\nhello world\r\n0\r\n\r\n", limit=10)

    def test_refused(self):
        for raw in (b"", b"SSH-2.0-OpenSSH\r\n\r\n", b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
                    b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
                    b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"):
            with self.subTest(raw=raw):
                with self.assertRaises(OSError):
                    answer(raw)


if __name__ == "__main__":
    unittest.main()
