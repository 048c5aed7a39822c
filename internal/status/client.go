package status

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"time"
)

// askTimeout bounds one question to a status socket.
const askTimeout = 15 * time.Second

// Ask asks the vsync listening on the status socket sock.
func Ask(ctx context.Context, sock string) (Answer, error) {
	var d net.Dialer
	ctx, cancel := context.WithTimeout(ctx, askTimeout)
	defer cancel()
	conn, err := d.DialContext(ctx, "unix", sock)
	if err != nil {
		return Answer{}, fmt.Errorf("status socket %q: %w", sock, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	var a Answer
	if err := json.NewDecoder(conn).Decode(&a); err != nil {
		return Answer{}, fmt.Errorf("status socket %q: %w", sock, err)
	}
	return a, nil
}

// askRunning looks, in the private directories under base
// (launcher.PrivateBase), for the status socket of a live vsync (run or
// start) of the vault at location, env env: same location, endpoint,
// prefix and env (vaultID), so that another app's env of the same name on
// this machine never answers. ok is false when none does.
func askRunning(ctx context.Context, base, location, env string) (r Report, ok bool) {
	want := vaultID(location)
	matches, _ := filepath.Glob(filepath.Join(base, "vsync-*", SocketName))
	for _, sock := range matches {
		if a, err := Ask(ctx, sock); err == nil && a.Vault == want && a.Env == env {
			return a.Report, true
		}
	}
	return Report{}, false
}
