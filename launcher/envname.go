package launcher

import "strings"

// EnvName returns the variable that points a child at the private file for
// a bundle path: the path upper-cased, every character other than A–Z and
// 0–9 turned into '_', then "_FILE". "gcp-sa.json" gives
// "GCP_SA_JSON_FILE", "tls/server.crt" gives "TLS_SERVER_CRT_FILE". Each
// non-ASCII character (a rune, not a byte) becomes one '_'.
func EnvName(path string) string {
	var b strings.Builder
	for _, r := range path {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	b.WriteString("_FILE")
	return b.String()
}
