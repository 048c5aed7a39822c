"""has_new_version() flips after a push, with one HEAD and no re-read."""

import unittest

import vsync_s3_client

from . import support


class LiveTest(unittest.TestCase):
    def test_has_new_version_flips_after_push(self):
        s = support.spec()
        with support.environ(VSYNC_CONFIG=s["live"]["config"], VSYNC_PASSPHRASE=s["live"]["passphrase"]):
            v = vsync_s3_client.open()
        gen = v.generation()
        self.assertFalse(v.has_new_version())
        self.assertEqual(v.remote_generation(), gen)
        support.push_live(s, "after-%d" % gen)
        self.assertTrue(v.has_new_version())
        self.assertEqual(v.remote_generation(), gen + 1)
        self.assertEqual(v.generation(), gen)  # the handle keeps what it opened
        self.assertNotEqual(v.get_env("GEN"), "after-%d" % gen)
        with support.environ(VSYNC_CONFIG=s["live"]["config"], VSYNC_PASSPHRASE=s["live"]["passphrase"]):
            w = vsync_s3_client.open()
        self.assertEqual((w.generation(), w.get_env("GEN")), (gen + 1, "after-%d" % gen))


if __name__ == "__main__":
    unittest.main()
