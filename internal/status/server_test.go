package status

import (
	"context"
	"io"
	"net"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vsync/internal/miniotest"
	"vsync/internal/testsupport"
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
	be := &headGate{Backend: testsupport.MinioBackend(t, srv, "vault"), open: make(chan struct{}), overlap: make(chan struct{})}
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
	srvStatus := &Server{Location: "s3://vault/app/prod", Warn: io.Discard,
		Report: func(ctx context.Context) Report { return compare(ctx, st, 4) }}
	go srvStatus.Serve(ctx, cl)

	answers := make(chan Answer, clients)
	errs := make(chan error, clients)
	for range clients {
		go func() {
			a, err := Ask(ctx, sock)
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
	want := Answer{Report: Report{Status: "fresh", Env: "prod", Generation: 4, RemoteGeneration: 4},
		Vault: vaultID("s3://vault/app/prod")}
	for range clients {
		select {
		case a := <-answers:
			if !reflect.DeepEqual(a, want) {
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
