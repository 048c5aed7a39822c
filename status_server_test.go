package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"vsync/internal/miniotest"
	"vsync/s3bundle"
)

// headGate counts the HEADs made through it, and the most made at
// once. The first HEAD waits at gate until open is closed, or until a
// second HEAD overlaps it (the server does not share HEADs: the test has
// seen enough).
type headGate struct {
	s3bundle.Backend
	heads, inFlight, maxInFlight atomic.Int64
	open                         chan struct{}
	overlap                      chan struct{}
	overlapOnce                  sync.Once
}

func (b *headGate) Head(ctx context.Context, key string) (s3bundle.ObjectInfo, error) {
	n := b.inFlight.Add(1)
	defer b.inFlight.Add(-1)
	for m := b.maxInFlight.Load(); n > m && !b.maxInFlight.CompareAndSwap(m, n); m = b.maxInFlight.Load() {
	}
	if n > 1 {
		b.overlapOnce.Do(func() { close(b.overlap) })
	}
	if b.heads.Add(1) == 1 {
		select {
		case <-b.open:
		case <-b.overlap:
		case <-ctx.Done():
		}
	}
	return b.Backend.Head(ctx, key)
}

// countingListener is a real listener that counts the connections Accept
// has returned, and closes accepted when it reaches want.
type countingListener struct {
	net.Listener
	n, want  atomic.Int64
	accepted chan struct{}
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil && l.n.Add(1) == l.want.Load() {
		close(l.accepted)
	}
	return c, err
}

// TestStatusServerSharesOneHEAD: N health checks at once on the status
// socket of a vault on MinIO make one HEAD at a time, not one each: while
// the first HEAD is held until all N connections are accepted, every other
// connection waits for its answer instead of making its own HEAD.
func TestStatusServerSharesOneHEAD(t *testing.T) {
	const clients = 32
	srv := miniotest.Start(t)
	srv.MakeBucket(t, "vault")
	be := &headGate{Backend: minioBackend(t, srv, "vault"), open: make(chan struct{}), overlap: make(chan struct{})}
	st := &s3bundle.Store{Backend: be, Prefix: "app", Env: "prod"}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := be.Backend.Put(ctx, st.CurrentKey(), []byte("bundle"), s3bundle.PutOptions{Generation: 4}); err != nil {
		t.Fatal(err)
	}

	sock := filepath.Join(t.TempDir(), "s.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{Listener: ln, accepted: make(chan struct{})}
	cl.want.Store(clients)
	defer ln.Close()
	go serveStatus(ctx, cl, "s3://vault/app/prod", os.Stderr, func(ctx context.Context) statusReport {
		return compareRemote(ctx, st, 4)
	})

	answers := make(chan statusAnswer, clients)
	errs := make(chan error, clients)
	for range clients {
		go func() {
			a, err := askStatus(ctx, sock)
			if err != nil {
				errs <- err
				return
			}
			answers <- a
		}()
	}
	select {
	case <-cl.accepted:
	case <-be.overlap:
	case <-ctx.Done():
		t.Fatal("the server did not accept every connection")
	}
	close(be.open)
	want := statusAnswer{statusReport: statusReport{Status: "fresh", Env: "prod", Generation: 4, RemoteGeneration: 4},
		Vault: vaultID("s3://vault/app/prod")}
	for range clients {
		select {
		case a := <-answers:
			if a != want {
				t.Errorf("answer %+v, want %+v", a, want)
			}
		case err := <-errs:
			t.Errorf("status client: %v", err)
		}
	}
	heads, most := be.heads.Load(), be.maxInFlight.Load()
	t.Logf("%d clients: %d HEADs, at most %d at once", clients, heads, most)
	if most > 1 {
		t.Errorf("%d HEADs at once, want at most 1", most)
	}
	if heads >= clients {
		t.Errorf("%d HEADs for %d clients that came at once: none shared an answer", heads, clients)
	}
}

// TestStatusServerSurvivesAcceptErrors: a `vsync run` out of file
// descriptors (its RLIMIT_NOFILE lowered below its next descriptor, as a
// storm of health checks would leave it) fails to Accept on its status
// socket; once descriptors are free again it answers, the waiting client
// included, instead of having stopped serving for good.
func TestStatusServerSurvivesAcceptErrors(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("needs /proc")
	}
	root, proj, env, _ := dirProject(t)
	ready := filepath.Join(root, "ready")
	cmd := exec.Command(os.Args[0], "run", "--env", "prod", "--", os.Args[0], "__child", "trap", ready)
	cmd.Dir, cmd.Env = proj, append(env, "VSYNC_TEST_AS_VSYNC=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	waitForFile(t, ready, "^ready$")
	socks, _ := filepath.Glob(filepath.Join(root, "run", "vsync-*", statusSocketName))
	if len(socks) != 1 {
		t.Fatalf("status sockets: %q", socks)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := askStatus(ctx, socks[0]); err != nil {
		t.Fatal(err)
	}

	// The lowest free descriptor number of vsync becomes its limit: the
	// next descriptor it opens, the accepted connection, is EMFILE.
	pid := cmd.Process.Pid
	var old unix.Rlimit
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, nil, &old); err != nil {
		t.Fatal(err)
	}
	low := unix.Rlimit{Cur: uint64(lowestFreeFD(t, pid)), Max: old.Max}
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &low, nil); err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("unix", socks[0])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The warning says the Accept failed; without it the limit could be
	// restored before vsync tried, and the test would prove nothing.
	if !waitLine(lines, "vsync: warning: status socket: ", "too many open files") {
		t.Errorf("no \"vsync: warning: status socket: ... too many open files\" line on stderr within 20s")
	}
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &old, nil); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	var a statusAnswer
	if err := json.NewDecoder(conn).Decode(&a); err != nil {
		t.Fatalf("the connection made while vsync was out of descriptors got no answer: %v", err)
	}
	if a.Env != "prod" || a.Generation != 1 {
		t.Errorf("answer %+v", a)
	}
	if _, err := askStatus(ctx, socks[0]); err != nil {
		t.Errorf("after the Accept errors: %v", err)
	}
	_ = cmd.Process.Signal(unix.SIGTERM)
}

// lowestFreeFD is the lowest descriptor number process pid has not open.
func lowestFreeFD(t *testing.T, pid int) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		t.Fatal(err)
	}
	open := map[int]bool{}
	for _, e := range ents {
		n, _ := strconv.Atoi(e.Name())
		open[n] = true
	}
	n := 0
	for open[n] {
		n++
	}
	return n
}

// waitLine waits for a line from lines with prefix that contains sub, and
// reports whether one came within 20 s.
func waitLine(lines <-chan string, prefix, sub string) bool {
	timeout := time.After(20 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return false
			}
			if strings.HasPrefix(l, prefix) && strings.Contains(l, sub) {
				return true
			}
		case <-timeout:
			return false
		}
	}
}
