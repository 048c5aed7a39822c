package miniotest_test

import (
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"vsync/internal/miniotest"
)

// A paused server accepts connections and answers nothing until Resume;
// Stop works on a paused server; Restart refuses an address someone else
// took meanwhile.
func TestPauseResume(t *testing.T) {
	srv := miniotest.Start(t)
	live := srv.Endpoint + "/minio/health/live"
	hc := &http.Client{Timeout: 500 * time.Millisecond}
	for range 3 {
		if err := srv.Pause(); err != nil {
			t.Fatal(err)
		}
		resp, err := hc.Get(live)
		if err == nil {
			resp.Body.Close()
			t.Fatal("paused server answered")
		}
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("paused server: %v, want a timeout (connection accepted, no answer)", err)
		}
		if err := srv.Resume(); err != nil {
			t.Fatal(err)
		}
		resp, err = (&http.Client{Timeout: 10 * time.Second}).Get(live)
		if err != nil {
			t.Fatalf("resumed server: %v", err)
		}
		resp.Body.Close()
	}
	if err := srv.Pause(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("Stop of a paused server: %v", err)
	}
	if err := srv.Pause(); err == nil {
		t.Fatal("Pause of a stopped server succeeded")
	}

	l, err := net.Listen("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := srv.Restart(); err == nil {
		t.Fatal("Restart on an address taken meanwhile succeeded")
	}
	l.Close()
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
}
