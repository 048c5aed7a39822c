package s3bundle

import (
	"net/http"
)

// presignedClient is the HTTP client that sends the requests Poll
// presigns and Bulk signs: a client of its own on a transport like the
// SDK's (c's, when c gives it), which follows no redirect. A presigned URL
// holds the access key and a signature that is good for any request to it
// until it expires; followed, a redirect would send the request on to
// wherever the answer says, with that URL as its Referer (and a signed
// GET's signature with it to a host of the same domain). A redirect is
// returned as it is (not 200), and the read is made again through the SDK.
func presignedClient(c any) *http.Client {
	var tr http.RoundTripper
	if t, ok := c.(interface{ GetTransport() *http.Transport }); ok {
		tr = t.GetTransport()
	}
	return &http.Client{Transport: tr, CheckRedirect: noRedirect}
}

// noRedirect is the CheckRedirect of a client that follows no redirect.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
