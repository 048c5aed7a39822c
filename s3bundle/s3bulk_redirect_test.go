package s3bundle

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// TestS3BulkRedirect: a GET of the Bulk answered with a redirect is not
// followed (its URL and signature go nowhere else, not even as a
// Referer): the object is read through the SDK instead, and the Bulk
// keeps to it. The Bulk's own GETs are told from the SDK's by the SDK's
// invocation header, which they do not send.
func TestS3BulkRedirect(t *testing.T) {
	var mu sync.Mutex
	var presigned, followed, sdk int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.URL.Path == "/elsewhere":
			followed++
			w.Write([]byte("elsewhere"))
		case r.Header.Get("Amz-Sdk-Invocation-Id") == "":
			presigned++
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		case r.Method == http.MethodGet && r.Header.Get("Authorization") != "":
			sdk++
			w.Header().Set("ETag", `"e1"`)
			w.Header().Set("Content-Length", "6")
			w.Write([]byte("object"))
		default:
			http.Error(w, "unexpected", http.StatusNotImplemented)
		}
	}))
	defer srv.Close()
	b, err := NewS3(t.Context(), S3Config{
		Bucket: "bucket", Endpoint: srv.URL, PathStyle: true,
		AccessKey: "AKIDEXAMPLE", SecretKey: "not-a-real-secret", MaxAttempts: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	bulk := b.Bulk()
	for range 2 {
		rc, info, err := bulk.Get(t.Context(), "app/prod/generations/0000000001.pgp")
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(data) != "object" || info.ETag != `"e1"` {
			t.Errorf("Get = %q %+v, %v", data, info, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if followed != 0 {
		t.Errorf("the redirect of a presigned GET was followed %d times", followed)
	}
	if presigned != 1 || sdk != 2 {
		t.Errorf("%d presigned GETs (want 1: the redirected one), %d through the SDK (want 2)", presigned, sdk)
	}
}
