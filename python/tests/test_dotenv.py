"""_dotenv agrees with vault/dotenv.go on parameter expansion and \\$
(the cases of TestParseDotenvParameterExpansion and
TestParseDotenvEscapedDollar)."""

import unittest

from vsync_s3_client._dotenv import DotenvSyntaxError, parse_dotenv

_ENV = {"SET": "v", "EMPTY": "", "FROM_ENV": "EXPANDED"}


class ParameterExpansion(unittest.TestCase):
    def test_compose_semantics(self):
        cases = [
            ("${SET:-d}", "v"), ("${EMPTY:-d}", "d"), ("${UNSET:-d}", "d"),
            ("${SET-d}", "v"), ("${EMPTY-d}", ""), ("${UNSET-d}", "d"),
            ("${SET:+a}", "a"), ("${EMPTY:+a}", ""), ("${UNSET:+a}", ""),
            ("${SET+a}", "a"), ("${EMPTY+a}", "a"), ("${UNSET+a}", ""),
            ("${UNSET:-${ALSO:-deep}}", "deep"), ("${UNSET:-$SET.x}", "v.x"),
            ("${UNSET:-a-b:-c}", "a-b:-c"), ("${UNSET:-{x}", "{x"), (r"${UNSET:-\$SET}", "$SET"),
        ]
        for text, want in cases:
            for src in ("A=" + text, 'A="%s"' % text):
                self.assertEqual(parse_dotenv("f", src.encode(), _ENV.get)["A"], want, src)
        got = parse_dotenv("f", b"E=\nF=${E-d}\nG=${E:-d}\nH=${F+set}", _ENV.get)
        self.assertEqual((got["F"], got["G"], got["H"]), ("", "d", "set"))

    def test_escaped_dollar(self):
        for src, want in {r"A=\$FROM_ENV": "$FROM_ENV", r"A=p\$s\w\\$x": r"p$s\w\$x",
                          r"A=\$$FROM_ENV": "$EXPANDED", 'A="\\$FROM_ENV"': "$FROM_ENV"}.items():
            self.assertEqual(parse_dotenv("f", src.encode(), _ENV.get)["A"], want, src)

    def test_bad_references(self):
        for src, line in {"A=${B:?x}": 1, "A=${B/x/y}": 1, "A=${B:-${C}": 1,
                          "A=1\nB=${A:-${}}": 2, 'A="x\ny ${B:?CANARY}"': 2}.items():
            with self.assertRaises(DotenvSyntaxError) as cm:
                parse_dotenv("f", src.encode(), _ENV.get)
            self.assertEqual(str(cm.exception), "f:%d: invalid ${...} variable reference" % line)

    def test_deep_nesting_as_go(self):
        # Nesting as vault's parser allows it: 1000 deep gives the innermost
        # word, one brace short the syntax error; deeper is refused as Go
        # refuses it. Never a RecursionError.
        text = "${X:-" * 1000 + "v" + "}" * 1000
        self.assertEqual(parse_dotenv("f", ("A=" + text).encode(), _ENV.get)["A"], "v")
        self.assertEqual(parse_dotenv("f", ('A="%s"' % text).encode(), _ENV.get)["A"], "v")
        with self.assertRaises(DotenvSyntaxError) as cm:
            parse_dotenv("f", ("B=1\nA=" + text[:-1]).encode(), _ENV.get)
        self.assertEqual(str(cm.exception), "f:2: invalid ${...} variable reference")
        for depth in (1001, 100000):
            text = "${X:-" * depth + "v" + "}" * depth
            with self.assertRaises(DotenvSyntaxError) as cm:
                parse_dotenv("f", ("B=1\nA=" + text).encode(), _ENV.get)
            self.assertEqual(str(cm.exception), "f:2: ${...} references nested deeper than 1000")

if __name__ == "__main__":
    unittest.main()
