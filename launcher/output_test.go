package launcher

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func muxTestNow() time.Time { return time.Date(2024, 5, 6, 12, 34, 56, 0, time.Local) }

// muxSink records every Write call. It takes no lock of its own: the Mux
// must serialise, and the race detector says so if it does not.
type muxSink struct {
	buf   bytes.Buffer
	calls int
	bad   []string // calls that did not end a line
}

func (s *muxSink) Write(p []byte) (int, error) {
	s.calls++
	if len(p) == 0 || p[len(p)-1] != '\n' {
		s.bad = append(s.bad, string(p[:min(len(p), 80)]))
	}
	return s.buf.Write(p)
}

// muxTestLine is line k of process name: an id and a payload whose length
// and letters are fixed by (name, k), so that any damage shows.
func muxTestLine(name string, k int, rng *rand.Rand) string {
	n := rng.IntN(200)
	if rng.IntN(40) == 0 {
		n = 1<<20 + rng.IntN(1000) // a line of more than 1 MB
	}
	c := byte('a' + (len(name)*7+k)%26)
	return fmt.Sprintf("%s#%d#%d#", name, k, n) + strings.Repeat(string(c), n)
}

func muxCheckPayload(text string) (name string, k int, err error) {
	parts := strings.SplitN(text, "#", 4)
	if len(parts) != 4 {
		return "", 0, fmt.Errorf("malformed %.60q", text)
	}
	name = parts[0]
	k, err1 := strconv.Atoi(parts[1])
	n, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil {
		return "", 0, fmt.Errorf("malformed %.60q", text)
	}
	c := string(rune('a' + (len(name)*7+k)%26))
	if parts[3] != strings.Repeat(c, n) {
		return "", 0, fmt.Errorf("%s line %d: payload damaged (len %d, want %d)", name, k, len(parts[3]), n)
	}
	return name, k, nil
}

func TestMuxConcurrentWritersNeverInterleave(t *testing.T) {
	names := []string{"web.1", "worker.1", "a.1", "clock-long.1"}
	width := MuxWidth(names...)
	sink := &muxSink{}
	m := NewMux(sink, MuxOptions{Width: width, Now: muxTestNow})

	const lines = 300
	var wg sync.WaitGroup
	for i, name := range names {
		rng := rand.New(rand.NewPCG(uint64(i), 42))
		var stream strings.Builder
		for k := range lines {
			stream.WriteString(muxTestLine(name, k, rng))
			if k < lines-1 || i%2 == 0 {
				stream.WriteString("\n") // odd processes end without a newline
			}
		}
		w := m.Writer(name, i)
		wg.Go(func() {
			data := stream.String()
			for len(data) > 0 {
				n := min(len(data), 1+rng.IntN(1<<rng.IntN(17)))
				if _, err := w.Write([]byte(data[:n])); err != nil {
					t.Error(err)
				}
				data = data[n:]
			}
			w.Close()
			m.System(name, "exited with code 0")
		})
	}
	wg.Wait()

	if len(sink.bad) > 0 {
		t.Fatalf("%d writes did not end with a newline, first %q", len(sink.bad), sink.bad[0])
	}
	out := sink.buf.String()
	if !strings.HasSuffix(out, "\n") {
		t.Fatal("output does not end with a newline")
	}
	next := map[string]int{}
	exited := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		head := "12:34:56 "
		if !strings.HasPrefix(line, head) || len(line) < len(head)+width+3 {
			t.Fatalf("bad line %.80q", line)
		}
		prefixName := strings.TrimRight(line[len(head):len(head)+width], " ")
		if line[len(head)+width:len(head)+width+3] != " | " {
			t.Fatalf("bad separator in %.80q", line)
		}
		text := line[len(head)+width+3:]
		if text == "exited with code 0" {
			if next[prefixName] != lines {
				t.Errorf("%s: exit line after %d of %d lines", prefixName, next[prefixName], lines)
			}
			exited[prefixName] = true
			continue
		}
		name, k, err := muxCheckPayload(text)
		if err != nil {
			t.Fatal(err)
		}
		if name != prefixName {
			t.Fatalf("line of %s printed as %s", name, prefixName)
		}
		if k != next[name] {
			t.Fatalf("%s: line %d, want %d", name, k, next[name])
		}
		next[name]++
	}
	for _, name := range names {
		if next[name] != lines || !exited[name] {
			t.Errorf("%s: %d lines, exited %v", name, next[name], exited[name])
		}
	}
	t.Logf("%d bytes in %d writes", len(out), sink.calls)
}

func TestMuxFormat(t *testing.T) {
	var buf bytes.Buffer
	m := NewMux(&buf, MuxOptions{Width: 8, Now: muxTestNow})
	w := m.Writer("web.1", 0)
	io.WriteString(w, "hel")
	io.WriteString(w, "lo\r\n\nsecond\nlast wi")
	io.WriteString(w, "thout newline")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if _, err := w.Write([]byte("x")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("write after close: %v", err)
	}
	m.System("system", "web.1 exited with code 3\n")
	m.System("verylongname", "a\nb")
	want := "12:34:56 web.1    | hello\n" +
		"12:34:56 web.1    | \n" +
		"12:34:56 web.1    | second\n" +
		"12:34:56 web.1    | last without newline\n" +
		"12:34:56 system   | web.1 exited with code 3\n" +
		"12:34:56 verylongname | a\n" +
		"12:34:56 verylongname | b\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestMuxColor(t *testing.T) {
	var buf bytes.Buffer
	m := NewMux(&buf, MuxOptions{Color: true, Width: 5, Now: muxTestNow})
	for i := range 14 {
		io.WriteString(m.Writer("p"+strconv.Itoa(i), i), "x\n")
	}
	m.System("sys", "y")
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if want := "\x1b[36m12:34:56 p0    |\x1b[0m x"; lines[0] != want {
		t.Errorf("got %q, want %q", lines[0], want)
	}
	if lines[1] == lines[0] || !strings.HasPrefix(lines[12], "\x1b[36m") {
		t.Errorf("colours do not cycle: %q", lines[:13])
	}
	if want := "\x1b[1m12:34:56 sys   |\x1b[0m y"; lines[14] != want {
		t.Errorf("system line %q, want %q", lines[14], want)
	}

	buf.Reset()
	m = NewMux(&buf, MuxOptions{Color: true, Now: muxTestNow})
	io.WriteString(m.Writer("p", -1), "x\n")
	buf2 := buf.String()
	buf.Reset()
	m = NewMux(&buf, MuxOptions{Color: false, Now: muxTestNow})
	io.WriteString(m.Writer("p", 3), "x\n")
	m.System("s", "y")
	if strings.Contains(buf2+buf.String(), "\x1b") {
		t.Errorf("escape sequence without colour: %q %q", buf2, buf.String())
	}
}

func TestMuxColorWanted(t *testing.T) {
	for _, tc := range []struct {
		tty     bool
		noColor string
		term    string
		want    bool
	}{
		{true, "", "xterm-256color", true},
		{true, "", "", true},
		{true, "1", "xterm", false},
		{true, "0", "xterm", false}, // any non-empty value
		{true, "", "dumb", false},
		{false, "", "xterm", false},
	} {
		env := map[string]string{"NO_COLOR": tc.noColor, "TERM": tc.term}
		if got := muxColorWanted(tc.tty, func(k string) string { return env[k] }); got != tc.want {
			t.Errorf("%+v: got %v", tc, got)
		}
	}

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "xterm")
	if ColorWanted(w) {
		t.Error("a pipe wants colour")
	}
	if ColorWanted(nil) {
		t.Error("nil wants colour")
	}
}

func TestMuxRedact(t *testing.T) {
	secrets := []string{"", "abc", "hunter2-long", "pass-1234", "pass-12345678", "hunter2-long"}
	many := append([]string(nil), secrets...)
	for i := range muxPrecheck {
		many = append(many, fmt.Sprintf("unused-secret-%d", i))
	}
	for _, redact := range [][]string{secrets, many} {
		var buf bytes.Buffer
		m := NewMux(&buf, MuxOptions{Now: muxTestNow, Redact: redact})
		w := m.Writer("web.1", 0)
		io.WriteString(w, "token=hunt")
		io.WriteString(w, "er2-long and again hunter2-longhunter2-long\n")
		io.WriteString(w, "abc stays, pass-12345678 and pass-1234 go\n")
		io.WriteString(w, "clean line\n")
		io.WriteString(w, "partial pass-")
		io.WriteString(w, "1234")
		w.Close()
		m.System("system", "mentions hunter2-long")
		got := buf.String()
		want := "12:34:56 web.1 | token=*** and again ******\n" +
			"12:34:56 web.1 | abc stays, *** and *** go\n" +
			"12:34:56 web.1 | clean line\n" +
			"12:34:56 web.1 | partial ***\n" +
			"12:34:56 system | mentions ***\n"
		if got != want {
			t.Errorf("%d values: got\n%s\nwant\n%s", len(redact), got, want)
		}
	}
}

func TestMuxMaxLine(t *testing.T) {
	var buf bytes.Buffer
	m := NewMux(&buf, MuxOptions{Now: muxTestNow, MaxLine: 10})
	w := m.Writer("p", 0)
	io.WriteString(w, strings.Repeat("x", 25))
	io.WriteString(w, "yy\n")
	w.Close()
	want := "12:34:56 p | xxxxxxxxxx\n12:34:56 p | xxxxxxxxxx\n12:34:56 p | xxxxxyy\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

type muxFailingWriter struct{ calls int }

func (f *muxFailingWriter) Write(p []byte) (int, error) {
	f.calls++
	return 0, errors.New("broken pipe")
}

func TestMuxWriteErrorKeepsDraining(t *testing.T) {
	f := &muxFailingWriter{}
	m := NewMux(f, MuxOptions{})
	w := m.Writer("p", 0)
	for range 3 {
		if n, err := io.WriteString(w, "line\n"); n != 5 || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if err := m.Err(); err == nil || f.calls != 1 {
		t.Errorf("Err = %v after %d calls", err, f.calls)
	}
}

// TestMuxClosedAtEPIPE: Closed tells when the reader of a real pipe is
// gone, and only then: another write error does not close it.
func TestMuxClosedAtEPIPE(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	m := NewMux(w, MuxOptions{})
	m.System("system", "read")
	select {
	case <-m.Closed():
		t.Fatal("Closed before the reader went")
	default:
	}
	r.Close()
	m.System("system", "nobody reads this")
	select {
	case <-m.Closed():
	default:
		t.Fatalf("Closed not closed after a write to a pipe without reader (Err = %v)", m.Err())
	}
	f := NewMux(&muxFailingWriter{}, MuxOptions{})
	f.System("system", "x")
	select {
	case <-f.Closed():
		t.Error("Closed closed by an error other than EPIPE")
	default:
	}
}

func BenchmarkMux(b *testing.B) {
	line := strings.Repeat("0123456789", 8) + "\n" // 81 bytes
	chunk := []byte(strings.Repeat(line, 32<<10/len(line)))
	for _, bc := range []struct {
		name string
		opts MuxOptions
	}{
		{"plain", MuxOptions{Width: 10}},
		{"color", MuxOptions{Width: 10, Color: true}},
		{"redact", MuxOptions{Width: 10, Redact: []string{"secret-value-1", "another-secret", "third-one-here"}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			m := NewMux(io.Discard, bc.opts)
			w := m.Writer("web.1", 0)
			b.SetBytes(int64(len(chunk)))
			for b.Loop() {
				w.Write(chunk)
			}
		})
	}
	b.Run("parallel4", func(b *testing.B) {
		m := NewMux(io.Discard, MuxOptions{Width: 10})
		b.SetBytes(int64(len(chunk)))
		var mu sync.Mutex
		i := 0
		b.RunParallel(func(pb *testing.PB) {
			mu.Lock()
			w := m.Writer("p."+strconv.Itoa(i), i)
			i++
			mu.Unlock()
			for pb.Next() {
				w.Write(chunk)
			}
		})
	})
	b.Run("1MBline", func(b *testing.B) {
		m := NewMux(io.Discard, MuxOptions{Width: 10})
		w := m.Writer("web.1", 0)
		big := []byte(strings.Repeat("x", 1<<20))
		b.SetBytes(int64(len(big)) + 1)
		for b.Loop() {
			for i := 0; i < len(big); i += 32 << 10 {
				w.Write(big[i : i+32<<10])
			}
			w.Write([]byte("\n"))
		}
	})
}

// TestMuxRedactMultiline: a value holding newlines (a PEM key in the vault's
// dotenv) is redacted line by line, whatever line ending or indentation the
// process prints it with; its lines shorter than MuxMinRedact are not.
func TestMuxRedactMultiline(t *testing.T) {
	pem := "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\r\nSECRETLINE2canary\nend\n-----END PRIVATE KEY-----\n"
	var buf bytes.Buffer
	m := NewMux(&buf, MuxOptions{Now: muxTestNow, Redact: []string{pem}})
	w := m.Writer("web.1", 0)
	io.WriteString(w, "key:\n"+pem)
	io.WriteString(w, "  indented: SECRETLINE2canary\r\n")
	w.Close()
	got := buf.String()
	want := "12:34:56 web.1 | key:\n" +
		"12:34:56 web.1 | ***\n" +
		"12:34:56 web.1 | ***\n" +
		"12:34:56 web.1 | ***\n" +
		"12:34:56 web.1 | end\n" +
		"12:34:56 web.1 | ***\n" +
		"12:34:56 web.1 |   indented: ***\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
