"""The dotenv grammar of vault/dotenv.go (ParseDotenv), ported line for line
so that a vault's .env.<env> gives exactly the values `vsync env` gives.
Errors name the file and line and a fixed reason, never a value.
"""

from ._errors import VsyncError


class DotenvSyntaxError(VsyncError, ValueError):
    """A dotenv syntax error: "FILE:LINE: REASON" (vsync: exit 65)."""

    exit_code = 65


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\", "$": "$"}


def _is_name_start(c):
    return c == "_" or "A" <= c <= "Z" or "a" <= c <= "z"


def _is_name_char(c):
    return _is_name_start(c) or "0" <= c <= "9"


def _is_key_char(c):
    return _is_name_char(c) or c == "."


def parse_dotenv(name, data, lookup):
    """Parse dotenv bytes; return a dict key -> value (later duplicates
    win). lookup(key) resolves ${KEY} that no earlier key defines and
    returns None when it has none."""
    try:
        s = data.decode("utf-8", "surrogateescape")
    except AttributeError:
        s = data
    if s.startswith("\ufeff"):
        s = s[1:]
    s = s.replace("\r\n", "\n")
    i = s.find("\x00")
    if i >= 0:
        raise DotenvSyntaxError("%s:%d: NUL byte in file" % (name, 1 + s.count("\n", 0, i)))
    p = _Parser(name, s, lookup)
    while p.i < len(p.s):
        p.statement()
    return p.vals


class _Parser:
    def __init__(self, name, s, lookup):
        self.name, self.s, self.i, self.line = name, s, 0, 1
        self.lookup, self.vals = lookup, {}

    def fail(self, line, reason):
        return DotenvSyntaxError("%s:%d: %s" % (self.name, line, reason))

    def skip_blanks(self):
        start, s = self.i, self.s
        while self.i < len(s) and s[self.i] in " \t":
            self.i += 1
        return self.i - start

    def skip_line(self):
        j = self.s.find("\n", self.i)
        if j >= 0:
            self.i = j + 1
            self.line += 1
        else:
            self.i = len(self.s)

    def key(self):
        s, start = self.s, self.i
        if self.i < len(s) and _is_name_start(s[self.i]):
            self.i += 1
            while self.i < len(s) and _is_key_char(s[self.i]):
                self.i += 1
        return s[start:self.i]

    def statement(self):
        s = self.s
        self.skip_blanks()
        if self.i == len(s):
            return
        if s[self.i] in "\n#":
            self.skip_line()
            return
        line = self.line
        key = self.key()
        if key == "export" and self.i < len(s) and s[self.i] in " \t":
            save = self.i
            self.skip_blanks()
            if self.i < len(s) and _is_name_start(s[self.i]):
                key = self.key()
            else:
                self.i = save
        if key == "":
            raise self.fail(line, "invalid key")
        if self.i < len(s) and s[self.i] not in " \t=\n":
            raise self.fail(line, "invalid key")
        self.skip_blanks()
        if self.i == len(s) or s[self.i] != "=":
            raise self.fail(line, "missing '='")
        self.i += 1
        blanks = self.skip_blanks()
        if self.i < len(s) and s[self.i] == "'":
            value = self.single_quoted(line)
        elif self.i < len(s) and s[self.i] == '"':
            value = self.double_quoted(line)
        else:
            value = self.unquoted(blanks > 0)
        # dicts keep first-insertion order and take the later value, as
        # vsync's Var list does.
        self.vals[key] = value

    def unquoted(self, after_blank):
        s = self.s
        end = s.find("\n", self.i)
        if end < 0:
            end = len(s)
        raw = s[self.i:end]
        for k in range(len(raw)):
            if raw[k] == "#" and ((k == 0 and after_blank) or (k > 0 and raw[k - 1] in " \t")):
                raw = raw[:k]
                break
        raw = raw.rstrip(" \t")
        line = self.line
        self.skip_line()
        return _Expander(self, raw, line, False).all()

    def resolve(self, name):
        """Return (value, set) for ${name}: an earlier key, else lookup."""
        if name in self.vals:
            return self.vals[name], True
        if self.lookup is not None:
            v = self.lookup(name)
            if v is not None:
                return v, True
        return "", False

    def single_quoted(self, line):
        self.i += 1
        j = self.s.find("'", self.i)
        if j < 0:
            raise self.fail(line, "unterminated single quote")
        v = self.s[self.i:j]
        self.line += v.count("\n")
        self.i = j + 1
        self.after_quote()
        return v

    def double_quoted(self, line):
        s = self.s
        self.i += 1
        start = self.i
        while True:
            if self.i >= len(s):
                raise self.fail(line, "unterminated double quote")
            c = s[self.i]
            if c == "\\":
                if self.i + 1 >= len(s):
                    raise self.fail(line, "unterminated double quote")
                self.i += 2
                continue
            if c == '"':
                break
            self.i += 1
        text = s[start:self.i]
        self.line += text.count("\n")
        self.i += 1
        v = _Expander(self, text, line, True).all()
        self.after_quote()
        return v

    def after_quote(self):
        self.skip_blanks()
        if self.i == len(self.s):
            return
        if self.s[self.i] in "\n#":
            self.skip_line()
            return
        raise self.fail(self.line, "unexpected character after closing quote")


_BAD_REF = "invalid ${...} variable reference"
_DEEP_REF = "${...} references nested deeper than 1000"
_MAX_REF_DEPTH = 1000  # as vault/dotenv_expand.go's maxRefDepth
_OPS = ("}", ":-", "-", ":+", "+")


class _Expander:
    """Expands one unquoted or double-quoted value as vault/dotenv_expand.go
    does: escapes, $NAME, ${NAME} and ${NAME:-w}, ${NAME-w}, ${NAME:+w},
    ${NAME+w} with Compose's semantics (":" makes empty count as unset).

    Words nest up to 1000 deep, as in the Go parser; deeper is a
    DotenvSyntaxError. The open references are kept on a list, not on
    Python's stack, so nesting is never a RecursionError."""

    def __init__(self, parser, s, line, dq):
        self.p, self.s, self.line, self.dq, self.i = parser, s, line, dq, 0

    def fail(self, reason=_BAD_REF):
        return self.p.fail(self.line + self.s[:self.i].count("\n"), reason)

    def all(self):
        s, out = self.s, []
        # One (outer text, value, is_set, op) per ${NAME op word} whose
        # word is being read; out is the innermost word's text.
        open_refs = []
        while self.i < len(s):
            c = s[self.i]
            if c == "}" and open_refs:
                word = "".join(out)
                out, value, is_set, op = open_refs.pop()
                self.i += 1
                out.append(_apply(op, value, is_set, word))
            elif c == "\\" and self.i + 1 < len(s):
                nxt = s[self.i + 1]
                r = _ESCAPES.get(nxt)
                if r is not None and (self.dq or nxt == "$"):
                    out.append(r)
                    self.i += 2
                    continue
                out.append(c)
                self.i += 1
            elif c == "$":
                ref = self.reference()
                if type(ref) is str:
                    out.append(ref)
                else:
                    if len(open_refs) >= _MAX_REF_DEPTH:
                        raise self.fail(_DEEP_REF)
                    open_refs.append((out,) + ref)
                    out = []
            else:
                out.append(c)
                self.i += 1
        if open_refs:
            raise self.fail()
        return "".join(out)

    def reference(self):
        """Read the reference at the '$' at self.i: its value (a str), or,
        for ${NAME op word}, (value, is_set, op) with self.i at the word."""
        s, j = self.s, self.i + 1
        if j < len(s) and _is_name_start(s[j]):
            while j < len(s) and _is_name_char(s[j]):
                j += 1
            v, _ = self.p.resolve(s[self.i + 1:j])
            self.i = j
            return v
        if j >= len(s) or s[j] != "{":
            self.i = j
            return "$"
        j += 1
        start = j
        if j < len(s) and _is_name_start(s[j]):
            while j < len(s) and _is_key_char(s[j]):
                j += 1
        name = s[start:j]
        self.i = j
        if not name:
            raise self.fail()
        value, is_set = self.p.resolve(name)
        op = next((o for o in _OPS if s.startswith(o, j)), "")
        if not op:
            raise self.fail()
        if op == "}":
            self.i += 1
            return value
        self.i += len(op)
        return value, is_set, op


def _apply(op, value, is_set, word):
    """The value of ${NAME op word}, NAME's value being value."""
    non_empty = is_set and value != ""
    if op == ":-":
        return value if non_empty else word
    if op == "-":
        return value if is_set else word
    if op == ":+":
        return word if non_empty else ""
    return word if is_set else ""
