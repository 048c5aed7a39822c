//go:build unix

package launcher_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"

	"vsync/launcher"
)

// How `vsync run` uses the package: private files first, then Run with the
// process's signals; the child's code becomes vsync's.
func ExampleRun() {
	base := launcher.PrivateBase(os.Getenv)
	_, _ = launcher.CleanStale(base) // directories of a vsync that was SIGKILLed
	dir, err := launcher.NewPrivateDir(base)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vsync: error:", err)
		os.Exit(1)
	}
	defer dir.Remove()
	env := []string{"PATH=/usr/bin:/bin", "DATABASE_URL=postgres://db/app"}
	p, err := dir.WriteFile("gcp-sa.json", []byte(`{"type":"service_account"}`))
	if err != nil {
		fmt.Fprintln(os.Stderr, "vsync: error:", err)
		os.Exit(1)
	}
	env = append(env, launcher.EnvName("gcp-sa.json")+"="+p)

	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, launcher.ForwardedSignals()...)
	defer signal.Stop(sigs)
	code, err := launcher.Run(context.Background(), launcher.Config{
		Args:      []string{"gunicorn", "app:wsgi"},
		Env:       env,
		Stdin:     os.Stdin,
		Stdout:    os.Stdout,
		Stderr:    os.Stderr,
		Signals:   sigs,
		Subreaper: true,
	})
	switch {
	case errors.Is(err, launcher.ErrNotFound), errors.Is(err, launcher.ErrNotExecutable):
		fmt.Fprintln(os.Stderr, "vsync: error:", err) // code is 127 or 126
	case err != nil:
		fmt.Fprintln(os.Stderr, "vsync: error:", err)
	}
	_ = code // main returns it: os.Exit only after the deferred Remove
}

func ExampleEnvName() {
	fmt.Println(launcher.EnvName("gcp-sa.json"))
	fmt.Println(launcher.EnvName("tls/server.crt"))
	// Output:
	// GCP_SA_JSON_FILE
	// TLS_SERVER_CRT_FILE
}
