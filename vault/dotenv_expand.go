package vault

import "strings"

// expander expands the text of one unquoted or double-quoted value: the
// escapes of its kind, $NAME, ${NAME} and the parameter expansions
// ${NAME:-word}, ${NAME-word}, ${NAME:+word} and ${NAME+word} with
// Compose's semantics (compose-go template: ":" makes an empty value
// count as unset). A word is itself expanded, so references nest
// (${A:-${B:-x}}); it is expanded even when not used, so that a bad
// reference is an error whatever the variables hold.
type expander struct {
	p    *dotenvParser
	s    string // the value's text, between the quotes if any
	line int    // line where s starts
	dq   bool   // double-quoted: the escapes of dqEscapes apply
	i    int
	deep int // references open around x.i
}

// maxRefDepth bounds the nesting of ${NAME:-word} references: the
// expander recurses once per level, and a value nested millions deep
// would exhaust the stack, which Go does not recover from.
const maxRefDepth = 1000

// all expands the whole of x.s.
func (x *expander) all() (string, error) {
	v, err := x.until(false)
	if err != nil {
		return "", err
	}
	return v, nil
}

// fail is a SyntaxError at the line of x.s[x.i].
func (x *expander) fail(reason string) error {
	return x.p.fail(x.line+strings.Count(x.s[:min(x.i, len(x.s))], "\n"), reason)
}

// until expands from x.i to the end of x.s or, when inBraces, to the '}'
// that closes the current reference (left at x.i).
func (x *expander) until(inBraces bool) (string, error) {
	var b strings.Builder
	for x.i < len(x.s) {
		// A run of bytes that stand for themselves is copied at once, and
		// returned as it is when it is the whole value (no allocation).
		if j := x.i + plainRun(x.s[x.i:], inBraces); j > x.i {
			run := x.s[x.i:j]
			x.i = j
			if b.Len() == 0 && (x.i == len(x.s) && !inBraces || x.i < len(x.s) && x.s[x.i] == '}') {
				return run, nil
			}
			b.WriteString(run)
			continue
		}
		c := x.s[x.i]
		switch {
		case c == '}' && inBraces:
			return b.String(), nil
		case c == '\\' && x.i+1 < len(x.s):
			next := x.s[x.i+1]
			if r, ok := dqEscapes[next]; ok && (x.dq || next == '$') {
				b.WriteByte(r)
				x.i += 2
				continue
			}
			b.WriteByte(c)
			x.i++
		case c == '$':
			if err := x.reference(&b); err != nil {
				return "", err
			}
		default:
			b.WriteByte(c)
			x.i++
		}
	}
	if inBraces {
		return "", x.fail(reasonBadRef)
	}
	return b.String(), nil
}

// plainRun is the length of the start of s that stands for itself: up
// to the first backslash, '$' or, inBraces, '}'.
func plainRun(s string, inBraces bool) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\\' || c == '$' || c == '}' && inBraces {
			return i
		}
	}
	return len(s)
}

// reference handles the '$' at x.i: it writes the referenced value (or a
// literal '$') to b and moves x.i past the reference.
func (x *expander) reference(b *strings.Builder) error {
	s, j := x.s, x.i+1
	if j < len(s) && isNameStart(s[j]) {
		for j < len(s) && isNameChar(s[j]) {
			j++
		}
		v, _ := x.p.resolve(s[x.i+1 : j])
		b.WriteString(v)
		x.i = j
		return nil
	}
	if j >= len(s) || s[j] != '{' {
		b.WriteByte('$')
		x.i = j
		return nil
	}
	j++
	start := j
	if j < len(s) && isNameStart(s[j]) {
		for j < len(s) && isKeyChar(s[j]) {
			j++
		}
	}
	name := s[start:j]
	if name == "" {
		x.i = j
		return x.fail(reasonBadRef)
	}
	value, set := x.p.resolve(name)
	op := ""
	for _, o := range []string{"}", ":-", "-", ":+", "+"} {
		if strings.HasPrefix(s[j:], o) {
			op = o
			break
		}
	}
	x.i = j
	switch op {
	case "":
		return x.fail(reasonBadRef)
	case "}":
		b.WriteString(value)
		x.i++
		return nil
	}
	x.i += len(op)
	if x.deep++; x.deep > maxRefDepth {
		return x.fail(reasonDeepRef)
	}
	word, err := x.until(true)
	x.deep--
	if err != nil {
		return err
	}
	x.i++ // the closing '}'
	nonEmpty := set && value != ""
	switch op {
	case ":-":
		if !nonEmpty {
			value = word
		}
	case "-":
		if !set {
			value = word
		}
	case ":+":
		value = ""
		if nonEmpty {
			value = word
		}
	case "+":
		value = ""
		if set {
			value = word
		}
	}
	b.WriteString(value)
	return nil
}
