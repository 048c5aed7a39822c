package launcher

import (
	"bytes"
	"cmp"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/term"
)

// MuxDefaultMaxLine is the longest line a Mux prints whole unless
// MuxOptions.MaxLine says otherwise.
const MuxDefaultMaxLine = 16 << 20

// MuxMinRedact is the shortest value a Mux redacts. Shorter values ("true",
// "5432", "prod") turn up in ordinary output, where replacing them would
// garble the log while telling a reader what the value is.
const MuxMinRedact = 6

// muxRetain is the largest buffer a process writer keeps between writes;
// a bigger one, grown for a long line, is dropped once the line is out.
const muxRetain = 64 << 10

// muxPrecheck is the most redacted values a Mux looks for one by one
// before running its Replacer on a line.
const muxPrecheck = 8

// muxColors are the SGR colours given to processes in turn, as Foreman and
// Honcho do: cyan, yellow, green, magenta, blue, red, then bright ones.
var muxColors = [...]string{
	"\x1b[36m", "\x1b[33m", "\x1b[32m", "\x1b[35m", "\x1b[34m", "\x1b[31m",
	"\x1b[96m", "\x1b[93m", "\x1b[92m", "\x1b[95m", "\x1b[94m", "\x1b[91m",
}

const (
	muxBold  = "\x1b[1m"
	muxReset = "\x1b[0m"
)

// MuxOptions configures a Mux.
type MuxOptions struct {
	// Color turns on ANSI colours; see ColorWanted.
	Color bool
	// Width is the width names are padded to, usually the longest name
	// (MuxWidth). A longer name is printed whole.
	Width int
	// Now gives the time printed on each line; nil means time.Now.
	Now func() time.Time
	// Redact lists values replaced by "***" wherever they appear in a line.
	// A value that spans lines is redacted line by line: each of its lines
	// (blanks around it trimmed) is a value of its own. Values (and lines)
	// shorter than MuxMinRedact bytes are ignored. Where two values match
	// at the same place the longer one wins.
	Redact []string
	// MaxLine is the longest line printed whole; a process that writes more
	// without a newline has it printed in MaxLine pieces (a redacted value
	// that straddles a cut is then not caught). 0 means MuxDefaultMaxLine.
	MaxLine int
}

// Mux prints the output of several processes on one writer, one line at a
// time, each line as
//
//	HH:MM:SS web.1  | text
//
// A line is handed to the underlying writer in a single Write call, never
// split and never mixed with another process's line, however the process
// wrote it. A Mux is safe for concurrent use.
//
// When the underlying writer fails, the Mux keeps the first error (Err) and
// discards everything after it, but its process writers go on accepting
// output, so that no process ever blocks on a full pipe because vsync's own
// output has gone. When that error is EPIPE (the reader of a pipe is gone,
// `vsync start | head`), Closed is closed too.
type Mux struct {
	mu     sync.Mutex // serialises writes to w and guards err
	w      io.Writer
	err    error
	closed chan struct{} // closed at an EPIPE from w

	color   bool
	width   int
	now     func() time.Time
	redact  *strings.Replacer
	secrets [][]byte // the redacted values, when few enough to look for first
	maxLine int
}

// NewMux returns a Mux printing on w.
func NewMux(w io.Writer, opts MuxOptions) *Mux {
	m := &Mux{
		w:       w,
		closed:  make(chan struct{}),
		color:   opts.Color,
		width:   opts.Width,
		now:     opts.Now,
		maxLine: opts.MaxLine,
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.maxLine <= 0 {
		m.maxLine = MuxDefaultMaxLine
	}
	var secrets []string
	for _, s := range redactPieces(opts.Redact) {
		if len(s) >= MuxMinRedact && !slices.Contains(secrets, s) {
			secrets = append(secrets, s)
		}
	}
	if len(secrets) > 0 {
		// strings.Replacer tries the old strings in argument order at each
		// position: longest first makes the longest match win.
		slices.SortStableFunc(secrets, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
		pairs := make([]string, 0, 2*len(secrets))
		for _, s := range secrets {
			pairs = append(pairs, s, "***")
		}
		m.redact = strings.NewReplacer(pairs...)
		if len(secrets) <= muxPrecheck {
			for _, s := range secrets {
				m.secrets = append(m.secrets, []byte(s))
			}
		}
	}
	return m
}

// redactPieces returns what a Mux looks for in a line to redact values:
// a one-line value as it is, and each line of a multi-line value (a PEM
// key, a JSON document) with its surrounding blanks trimmed, since a Mux
// sees its output one line at a time and a process may indent it.
func redactPieces(values []string) []string {
	var out []string
	for _, v := range values {
		if !strings.ContainsAny(v, "\r\n") {
			out = append(out, v)
			continue
		}
		for _, line := range strings.FieldsFunc(v, func(r rune) bool { return r == '\n' || r == '\r' }) {
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}

// MuxWidth returns the length of the longest of names, for MuxOptions.Width.
func MuxWidth(names ...string) int {
	w := 0
	for _, n := range names {
		w = max(w, len(n))
	}
	return w
}

// Err returns the first error the underlying writer gave, if any.
func (m *Mux) Err() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

// Closed returns a channel closed once a write to the underlying writer has
// failed with EPIPE: nobody reads the output any more. RunGroup stops its
// processes then, as a Ctrl-C would.
func (m *Mux) Closed() <-chan struct{} { return m.closed }

// Writer returns the writer for the process called name ("web.1"), whose
// prefix takes colour number colorIndex (cycling; negative means none) when
// colours are on.
//
// The writer prints each complete line as soon as it has it and keeps a
// partial one until its newline comes. One "\r" before the newline is
// dropped. Close prints a last line that has no newline, as a whole line;
// so that everything a process wrote appears before what is said about its
// exit, call Close (after the copying from the process has finished) before
// System. Writes after Close fail with os.ErrClosed. The writer may be
// shared by a process's stdout and stderr.
func (m *Mux) Writer(name string, colorIndex int) io.WriteCloser {
	return m.writer(name, colorIndex)
}

func (m *Mux) writer(name string, colorIndex int) *muxWriter {
	return &muxWriter{m: m, prefix: m.prefix(name, colorIndex)}
}

// System prints text, one line per line of it, under name, uncoloured
// (bold when colours are on): vsync's own lines such as "web.1 exited with
// code 3" under "system". A final newline in text is not an extra line.
func (m *Mux) System(name, text string) {
	prefix := m.prefix(name, -1)
	if m.color {
		prefix.start, prefix.end = muxBold, muxReset
	}
	ts := m.now().Format("15:04:05")
	var out []byte
	for line := range strings.SplitSeq(strings.TrimSuffix(text, "\n"), "\n") {
		out = m.appendLine(out, ts, prefix, []byte(line))
	}
	m.write(out)
}

// muxPrefix is a name padded to the Mux's width and wrapped in its colour:
// what goes between the time and the text.
type muxPrefix struct {
	start, name, end string
}

func (m *Mux) prefix(name string, colorIndex int) muxPrefix {
	p := muxPrefix{name: name + strings.Repeat(" ", max(0, m.width-len(name)))}
	if m.color && colorIndex >= 0 {
		p.start, p.end = muxColors[colorIndex%len(muxColors)], muxReset
	}
	return p
}

// appendLine appends one output line for text (without its newline).
func (m *Mux) appendLine(out []byte, ts string, p muxPrefix, text []byte) []byte {
	text = bytes.TrimSuffix(text, []byte("\r"))
	out = append(out, p.start...)
	out = append(out, ts...)
	out = append(out, ' ')
	out = append(out, p.name...)
	out = append(out, " |"...)
	out = append(out, p.end...)
	out = append(out, ' ')
	if m.redact != nil && m.mayHoldSecret(text) {
		out = append(out, m.redact.Replace(string(text))...)
	} else {
		out = append(out, text...)
	}
	return append(out, '\n')
}

// mayHoldSecret reports whether text may hold a redacted value. With few
// values, looking for each (memchr-fast) beats running the Replacer over
// every line; with many, the Replacer's single pass wins.
func (m *Mux) mayHoldSecret(text []byte) bool {
	if m.secrets == nil {
		return true
	}
	for _, s := range m.secrets {
		if bytes.Contains(text, s) {
			return true
		}
	}
	return false
}

// write hands b, whole lines only, to the underlying writer in one call.
func (m *Mux) write(b []byte) {
	if len(b) == 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return
	}
	if _, err := m.w.Write(b); err != nil {
		m.err = err
		if errors.Is(err, syscall.EPIPE) {
			close(m.closed)
		}
	}
}

// muxWriter is the io.WriteCloser of one process.
type muxWriter struct {
	m      *Mux
	prefix muxPrefix

	mu      sync.Mutex // guards the fields below
	partial []byte     // the start of a line whose newline has not come
	out     []byte     // scratch for the lines of one Write
	closed  bool
}

func (w *muxWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, os.ErrClosed
	}
	n := len(p)
	m := w.m
	out := w.out[:0]
	ts := ""
	stamp := func() string {
		if ts == "" {
			ts = m.now().Format("15:04:05")
		}
		return ts
	}
	for {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			break
		}
		line := p[:i]
		if len(w.partial) > 0 {
			w.partial = append(w.partial, line...)
			line = w.partial
		}
		out = m.appendLine(out, stamp(), w.prefix, line)
		w.partial = w.partial[:0]
		p = p[i+1:]
	}
	w.partial = append(w.partial, p...)
	for len(w.partial) >= m.maxLine {
		out = m.appendLine(out, stamp(), w.prefix, w.partial[:m.maxLine])
		w.partial = append(w.partial[:0], w.partial[m.maxLine:]...)
	}
	m.write(out)
	w.out = out[:0]
	if cap(w.out) > muxRetain {
		w.out = nil
	}
	if len(w.partial) == 0 && cap(w.partial) > muxRetain {
		w.partial = nil
	}
	return n, nil
}

// Close prints the pending partial line, if any. It is idempotent.
func (w *muxWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	w.flushLocked()
	w.partial, w.out = nil, nil
	return nil
}

// flush prints the pending partial line, if any, as a whole line; what is
// written next starts a new line.
func (w *muxWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.flushLocked()
}

func (w *muxWriter) flushLocked() {
	if len(w.partial) > 0 {
		ts := w.m.now().Format("15:04:05")
		w.m.write(w.m.appendLine(nil, ts, w.prefix, w.partial))
		w.partial = w.partial[:0]
	}
}

// ColorWanted reports whether output on f should be coloured: f is a
// terminal, NO_COLOR is unset or empty (https://no-color.org: "when present
// and not an empty string") and TERM is not "dumb". It reads vsync's own
// environment.
func ColorWanted(f *os.File) bool {
	return muxColorWanted(f != nil && term.IsTerminal(int(f.Fd())), os.Getenv)
}

func muxColorWanted(isTerminal bool, getenv func(string) string) bool {
	return isTerminal && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}
