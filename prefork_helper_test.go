package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// servedByEach returns the answers to n GET requests for path, each
// answered by a different one of a pre-fork server's n sync workers (each
// worker serves one connection at a time). It holds n-1 connections whose
// requests are incomplete, so that every worker that accepts one stays busy
// with it, sends a whole request on the last connection, then completes the
// others: n answers from n workers, and no sleep.
//
// It is the readiness a test needs before it stops gunicorn: a worker that
// answered has its signal handlers set. "Booting worker with pid" is logged
// before they are, and gunicorn 20.1 loses a SIGTERM that reaches a worker
// between its fork and its handlers (the master's handler runs in the
// worker): the worker serves on, its master waits for it, and the stop ends
// in a SIGKILL after the grace period.
func servedByEach(t *testing.T, dial func() (net.Conn, error), path string, n int) []string {
	t.Helper()
	head := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n", path)
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := dial()
		if err != nil {
			t.Fatalf("connection %d of %d: %v", i+1, n, err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(exampleTimeout))
		// All but the last request stay incomplete for now.
		req := head
		if i == n-1 {
			req += "\r\n"
		}
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatalf("connection %d of %d: %v", i+1, n, err)
		}
		conns[i] = c
	}
	answers := make([]string, 0, n)
	read := func(i int) {
		t.Helper()
		resp, err := http.ReadResponse(bufio.NewReader(conns[i]), nil)
		if err != nil {
			t.Fatalf("request %d of %d: %v", i+1, n, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d of %d: %s %v: %s", i+1, n, resp.Status, err, redacted(string(body)))
		}
		answers = append(answers, string(body))
	}
	read(n - 1)
	for i := range n - 1 {
		if _, err := io.WriteString(conns[i], "\r\n"); err != nil {
			t.Fatalf("connection %d of %d: %v", i+1, n, err)
		}
		read(i)
	}
	return answers
}

// tcpDialer dials addr over TCP, for servedByEach.
func tcpDialer(addr string) func() (net.Conn, error) {
	return func() (net.Conn, error) { return net.DialTimeout("tcp", addr, exampleTimeout) }
}
