// Command getfloor is the floor that `vsync verify` is measured against
// (scripts/bench-history.sh): the bare GETs of an env's objects, its
// generations 1..N and current.pgp, with a minimal client (net/http and
// the v4 signer, a few GETs in flight, each body read and dropped), and
// nothing else: no decryption, no check. Not part of vsync.
//
//	getfloor -endpoint http://127.0.0.1:9000 -bucket bench -prefix bench/gen500 -gens 500
//
// Credentials and region come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
// and AWS_REGION (default us-east-1). With -rounds N it reads them N times
// in one process and prints each round's wall and CPU time.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

func main() {
	endpoint := flag.String("endpoint", os.Getenv("MINIO_ENDPOINT"), "the S3 endpoint (path-style addressing)")
	bucket := flag.String("bucket", "bench", "the bucket")
	prefix := flag.String("prefix", "", "the env's prefix in the bucket (PREFIX/ENV)")
	gens := flag.Int("gens", 500, "the number of generations")
	inflight := flag.Int("inflight", 64, "GETs in flight (verify of many small generations: 64)")
	rounds := flag.Int("rounds", 1, "times to read them all")
	flag.Parse()
	keys := []string{*prefix + "/current.pgp"}
	for g := 1; g <= *gens; g++ {
		keys = append(keys, fmt.Sprintf("%s/generations/%010d.pgp", *prefix, g))
	}
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = "us-east-1"
	}
	c := &client{
		base:   *endpoint + "/" + *bucket + "/",
		region: region,
		creds: aws.Credentials{
			AccessKeyID: os.Getenv("AWS_ACCESS_KEY_ID"), SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY"),
			SessionToken: os.Getenv("AWS_SESSION_TOKEN"),
		},
		signer: v4.NewSigner(),
		http: &http.Client{
			Transport: &http.Transport{MaxIdleConnsPerHost: 2 * *inflight},
			// A redirect would carry the signed headers (and a session
			// token) to wherever it points; as vsync's GETs, follow none.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	for r := 0; r < *rounds; r++ {
		t0, cpu0 := time.Now(), cpuTime()
		n, err := c.getAll(keys, *inflight)
		if err != nil {
			fmt.Fprintln(os.Stderr, "getfloor:", err)
			os.Exit(1)
		}
		if *rounds > 1 {
			fmt.Printf("%d GETs (%d bytes), %d in flight: %.1f ms, CPU %.1f ms\n",
				len(keys), n, *inflight, ms(time.Since(t0)), ms(cpuTime()-cpu0))
		}
	}
}

// client sends signed GETs.
type client struct {
	base, region string
	creds        aws.Credentials
	signer       *v4.Signer
	http         *http.Client
}

// emptySHA256 is the payload hash of a request with no body.
var emptySHA256 = func() string { h := sha256.Sum256(nil); return hex.EncodeToString(h[:]) }()

// getAll reads every key, inflight at a time, and returns the bytes read.
func (c *client) getAll(keys []string, inflight int) (int64, error) {
	work := make(chan string)
	var (
		mu    sync.Mutex
		total int64
		first error
		wg    sync.WaitGroup
	)
	for range inflight {
		wg.Go(func() {
			for key := range work {
				n, err := c.get(key)
				mu.Lock()
				total += n
				if err != nil && first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	for _, k := range keys {
		work <- k
	}
	close(work)
	wg.Wait()
	return total, first
}

// get reads one object and drops it.
func (c *client) get(key string) (int64, error) {
	ctx := context.Background()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+key, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	if err := c.signer.SignHTTP(ctx, c.creds, req, emptySHA256, "s3", c.region, time.Now()); err != nil {
		return 0, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", key, resp.Status)
	}
	return n, err
}

// cpuTime is the process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
