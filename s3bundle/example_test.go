package s3bundle_test

import (
	"context"
	"fmt"
	"io"
	"os"

	"vsync/s3bundle"
)

// A push and a pull on the directory backend: Tip, Commit, Open.
func ExampleStore() {
	root, _ := os.MkdirTemp("", "vault")
	defer os.RemoveAll(root)
	backend, err := s3bundle.NewDir(root)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	store := &s3bundle.Store{Backend: backend, Prefix: "acme", Env: "prod"}

	for _, bundle := range []string{"first bundle", "second bundle"} {
		gen, current, err := store.Tip(ctx)
		if err != nil {
			panic(err)
		}
		if err := store.Commit(ctx, gen+1, []byte(bundle), current); err != nil {
			panic(err)
		}
	}

	rc, info, err := store.Open(ctx, 0)
	if err != nil {
		panic(err)
	}
	defer rc.Close()
	data, _ := io.ReadAll(rc)
	fmt.Println(store.CurrentKey(), info.Generation, string(data))
	gens, _ := store.Generations(ctx)
	fmt.Println(gens)
	// Output:
	// acme/prod/current.pgp 2 second bundle
	// [1 2]
}

func ExampleParseToken() {
	token, err := s3bundle.Token{Bucket: "vault", Prefix: "acme", Env: "prod"}.Encode()
	if err != nil {
		panic(err)
	}
	t, err := s3bundle.ParseToken(token + "\n")
	fmt.Println(t.Bucket, t.Prefix, t.Env, err)

	_, err = s3bundle.ParseToken("vsync-cfg-v1:not base64!")
	fmt.Println(err)
	// Output:
	// vault acme prod <nil>
	// invalid runtime token: token is not valid base64
}
