package main

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Text that comes from a bundle, a manifest, a peer or an error (file
// names, notes, authors, keys, reasons) may hold control characters: a
// newline that forges a line of a listing, ESC sequences that hide or
// rewrite text, a carriage return or a bidirectional override. Human
// listings pass such text through escapeControls or displayName; machine
// formats (--format json, dotenv) have their own quoting.

// escapeControls returns s with every rune that does not print as itself
// on a terminal (a control character, a format character such as U+202E,
// a byte that is not UTF-8) replaced by its Go escape: \n, \x1b, \u202e.
// Printable text, non-ASCII letters and the space included, is unchanged.
func escapeControls(s string) string {
	if isPrintable(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case strconv.IsPrint(r):
			b.WriteString(s[i : i+n])
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
		i += n
	}
	return b.String()
}

// displayName returns a name (a file's path, a key, an author) as it is
// when it prints as itself, else quoted as by %q, so that a name holding
// an escape cannot pass for another name.
func displayName(s string) string {
	if isPrintable(s) && !strings.HasPrefix(s, `"`) {
		return s
	}
	return strconv.Quote(s)
}

// isPrintable reports whether every rune of s prints as itself.
func isPrintable(s string) bool {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || !strconv.IsPrint(r) {
			return false
		}
		i += n
	}
	return true
}

// plural is "1 file", "2 files", "0 files": n and word, with an "s" unless
// n is 1. Words whose plural is not word+"s" are not used with it.
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// wasWere is "was" for 1, "were" otherwise.
func wasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}
