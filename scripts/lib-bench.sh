# Shared by the benchmark scripts: build vsync, start a throwaway MinIO on
# loopback, make test envs. Source it; it sets BENCH_DIR and cleans up on exit.
set -euo pipefail

REPO=$(pwd)
BENCH_DIR=$(mktemp -d /tmp/vsync-bench.XXXXXX)
MINIO_PID=
cleanup() {
  [ -n "$MINIO_PID" ] && kill "$MINIO_PID" 2>/dev/null && wait "$MINIO_PID" 2>/dev/null
  rm -rf "$BENCH_DIR"
}
trap cleanup EXIT

export PATH="$(go env GOPATH)/bin:$PATH"
# Go's caches stay where they are: under the throwaway HOME below every run
# would download all modules and rebuild the standard library.
export GOCACHE="$(go env GOCACHE)" GOMODCACHE="$(go env GOMODCACHE)"
# This machine's environment sets AWS_CA_BUNDLE to the system bundle; the
# SDK's default configuration (profiles without keys: push, pull, status)
# then parses its ~140 certificates in every process, about 2 ms, for a
# plain-HTTP loopback endpoint that never uses them. Users rarely set it;
# docs/benchmarks.md gives the figure with it too.
[ -n "${BENCH_KEEP_CA_BUNDLE:-}" ] || unset AWS_CA_BUNDLE
export XDG_CONFIG_HOME=$BENCH_DIR/config HOME=$BENCH_DIR/home
mkdir -p "$HOME"

need() {
  for c in "$@"; do
    command -v "$c" >/dev/null || { echo "bench: missing $c (apt-get install hyperfine time gpg awscli ruby-foreman; minio via .ci/run)" >&2; exit 1; }
  done
}

build_vsync() {
  # The release build: static (no cgo), stripped, and without the man-page
  # generator urfave/cli links by default.
  CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -tags urfave_cli_no_docs -o "$BENCH_DIR/vsync" .
  VSYNC=$BENCH_DIR/vsync
}

# build_old_vsync: with BENCH_OLD=REV (a git revision), the release build of
# that revision as OLD, to run beside the new one; else OLD is empty.
build_old_vsync() {
  OLD=
  [ -n "${BENCH_OLD:-}" ] || return 0
  mkdir -p "$BENCH_DIR/old"
  git archive "$BENCH_OLD" | tar -x -C "$BENCH_DIR/old"
  (cd "$BENCH_DIR/old" && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -tags urfave_cli_no_docs -o "$BENCH_DIR/vsync-old" .)
  OLD=$BENCH_DIR/vsync-old
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_minio: MinIO on a free loopback port, bucket "bench"; exports the
# AWS_* variables and MINIO_ENDPOINT.
start_minio() {
  local port cport
  port=$(free_port); cport=$(free_port)
  export MINIO_ROOT_USER=benchadmin MINIO_ROOT_PASSWORD=benchadmin-secret
  minio server --quiet --address "127.0.0.1:$port" --console-address "127.0.0.1:$cport" "$BENCH_DIR/minio" >"$BENCH_DIR/minio.log" 2>&1 &
  MINIO_PID=$!
  export MINIO_ENDPOINT=http://127.0.0.1:$port
  for _ in $(seq 1 200); do
    curl -fsS "$MINIO_ENDPOINT/minio/health/live" >/dev/null 2>&1 && break
    sleep 0.05 # polling a server's readiness, not synchronising a test
  done
  export AWS_ACCESS_KEY_ID=$MINIO_ROOT_USER AWS_SECRET_ACCESS_KEY=$MINIO_ROOT_PASSWORD AWS_REGION=us-east-1
  aws --endpoint-url "$MINIO_ENDPOINT" s3 mb s3://bench >/dev/null
}

# make_env DIR VARS FILE_KB...: a dotenv of VARS variables plus one file per
# FILE_KB argument, filled with random bytes.
make_env() {
  local dir=$1 vars=$2; shift 2
  mkdir -p "$dir"
  local name=$(basename "$dir")
  : >"$dir/.env.$name"
  for i in $(seq 1 "$vars"); do
    printf 'VAR_%03d=%s\n' "$i" "$(head -c 48 /dev/urandom | base64 -w0)" >>"$dir/.env.$name"
  done
  local n=0
  for kb in "$@"; do
    n=$((n + 1))
    head -c $((kb * 1024)) /dev/urandom >"$dir/file$n.bin"
  done
}

# bench_profile_project: a profile "bench" for the bucket and an empty
# project folder, $BENCH_DIR/proj (set as proj), the working directory from
# then on.
bench_profile_project() {
  "$VSYNC" profile add bench --bucket bench --endpoint "$MINIO_ENDPOINT" --path-style >/dev/null
  proj=$BENCH_DIR/proj
  mkdir -p "$proj" && cd "$proj"
}

# bench_project: the env prod of a project in $BENCH_DIR/proj (the working
# directory from then on), pushed to the bucket through a profile "bench":
# 50 variables and two 8 KB files (20 KB). Sets proj, pass (its generated
# passphrase) and token (a runtime token for it).
bench_project() {
  bench_profile_project
  unset VSYNC_PASSPHRASE
  "$VSYNC" init prod --profile bench --prefix bench >"$BENCH_DIR/init.out"
  make_env infra/vault/prod 50 8 8
  "$VSYNC" push prod --note bench >/dev/null
  pass=$(cat "$XDG_CONFIG_HOME"/vsync/passphrases/prod-*)
  token=$("$VSYNC" runtime-token --env prod --access-key "$AWS_ACCESS_KEY_ID" --secret-key "$AWS_SECRET_ACCESS_KEY")
}

# medians FILE.json: one line per command of a hyperfine JSON export, with
# the median (what the targets are stated in), mean and min in ms.
medians() {
  python3 - "$1" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"  {r['command']:<60} median {r['median']*1e3:7.2f} ms  mean {r['mean']*1e3:7.2f} ms  min {r['min']*1e3:7.2f} ms  cpu {(r['user']+r['system'])*1e3:7.2f} ms")
PY
}
