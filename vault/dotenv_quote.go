package vault

import "strings"

// DotenvQuote writes v as a dotenv value (`vsync env --format dotenv`)
// so that dotenv readers read it back exactly: bare
// when every byte is plain printable ASCII; else in single quotes, which
// vsync, Foreman, Compose and node dotenv read literally and python-dotenv
// too unless a backslash escapes a backslash or the closing quote, when v
// has no ', CR or LF and no backslash python-dotenv would take for an
// escape; else in double quotes with only the escapes every reader undoes
// (\\ \" \n \r, and \$ before what would expand).
func DotenvQuote(v string) string {
	if v != "" && strings.IndexFunc(v, func(r rune) bool { return !isBareDotenv(r) }) < 0 {
		return v
	}
	if !strings.ContainsAny(v, "'\r\n") && !strings.Contains(v, `\\`) && !strings.HasSuffix(v, `\`) {
		return "'" + v + "'"
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '$':
			if i+1 < len(v) && (v[i+1] == '{' || isNameStart(v[i+1])) {
				b.WriteString(`\$`)
			} else {
				b.WriteByte(c)
			}
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// isBareDotenv reports whether r may appear in a value written bare: ASCII
// letters, digits and punctuation no reader gives a meaning to there (a
// backslash is literal in a bare value as long as no '$' follows, and '$'
// is never bare).
func isBareDotenv(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("_-.,:/@%+=\\", r)
}
