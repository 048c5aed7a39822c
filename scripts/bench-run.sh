#!/usr/bin/env bash
# Start-up benchmark of `vsync run` (issue #3), side by side in one run:
#   vsync run -- true   with a runtime token against MinIO on loopback and a
#                       20 KB vault (50 variables, two files), generated passphrase
#   true                bare
#   foreman run true    with the same 50 variables in .env (Debian ruby-foreman)
#   gpg -d | tar -x     over the same bundle, already on disk
# then, to explain vsync's figure, the floors it stands on:
#   an empty static Go program (process start and exit of the Go runtime)
#   vsync --version     this binary's own start and exit: runtime, package
#                       initialisers, page faults, no work
#   sh -c exit          the shell vsync run starts as its watchdog
#   vsync run -e .env -- true   the same binary and launch, no GET, no decryption
#   MinIO's answer to one GET of the bundle on a fresh loopback connection,
#                       timed from inside a warm Python process
# and the wrapper's resident memory while its child sleeps.
# Usage: bash scripts/bench-run.sh   (needs minio, hyperfine, foreman, gpg, awscli)
# BENCH_OLD=REV adds `vsync run -- true` of the release build of git
# revision REV to the same hyperfine run (a regression check).
# BENCH_RT=1 runs MinIO and the timed commands at real-time priority
# (SCHED_FIFO 10, root only), so that other load on a shared machine does
# not queue them behind its own processes: the spread of the figures then
# shows what start-up itself costs.
cd "$(dirname "$0")/.."
. scripts/lib-bench.sh
need minio hyperfine foreman gpg aws curl python3
RT=()
if [ -n "${BENCH_RT:-}" ]; then
  need chrt
  RT=(chrt -f 10)
fi
build_vsync
build_old_vsync
start_minio
[ -z "${BENCH_RT:-}" ] || chrt -f -a -p 10 "$MINIO_PID" >/dev/null

bench_project
case "$pass" in vsp1-*) ;; *) echo "bench: expected a generated passphrase" >&2; exit 1 ;; esac

# The peers get the same material: foreman the same variables in .env, the
# gpg pipeline the same encrypted bundle.
run_dir=$BENCH_DIR/run && mkdir -p "$run_dir"
cp infra/vault/prod/.env.prod "$run_dir/.env"
aws --endpoint-url "$MINIO_ENDPOINT" s3 cp s3://bench/bench/prod/current.pgp "$run_dir/current.pgp" >/dev/null
printf '%s\n' "$pass" >"$run_dir/pf"
mkdir -p "$run_dir/out" "$run_dir/diy"
cd "$run_dir"
printf 'bundle: %s bytes\n' "$(stat -c %s current.pgp)"

# The runtime environment: nothing but the token and the passphrase.
export VSYNC_CONFIG=$token VSYNC_PASSPHRASE=$pass
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
# The do-it-yourself pipeline of issue 14 item 4 (the target: the same
# work from a bundle already on local disk) and the bare gpg | tar (a floor).
load() { echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"; }
load
"${RT[@]}" hyperfine -N --warmup 5 --runs 100 --export-json "$BENCH_DIR/run.json" \
  -n 'true' 'true' \
  -n 'vsync run -- true' "$VSYNC run -- true" \
  ${OLD:+-n "vsync run -- true ($BENCH_OLD)" "$OLD run -- true"} \
  -n 'foreman run true' 'foreman run true' \
  -n 'do-it-yourself: mktemp, gpg -d | tar -x, source, exec true' "sh -c 'd=\$(mktemp -d -p diy); gpg --batch --quiet --passphrase-file pf -d current.pgp | tar -xf - -C \$d; cd \$d; set -a; . ./.env.prod; exec true'" \
  -n 'gpg -d | tar -x' "sh -c 'gpg --batch --quiet --passphrase-file pf -d current.pgp | tar -xf - -C out'" \
  >/dev/null
medians "$BENCH_DIR/run.json"
load

# Floors, measured right after the same way. The empty program is built
# as vsync is.
mkdir -p "$BENCH_DIR/empty"
printf 'module empty\n\ngo 1.26\n' >"$BENCH_DIR/empty/go.mod"
printf 'package main\n\nfunc main() {}\n' >"$BENCH_DIR/empty/main.go"
(cd "$BENCH_DIR/empty" && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$BENCH_DIR/empty-go" .)
(unset VSYNC_CONFIG VSYNC_PASSPHRASE
  "${RT[@]}" hyperfine -N --warmup 5 --runs 100 --export-json "$BENCH_DIR/floors.json" \
    -n 'empty static Go program' "$BENCH_DIR/empty-go" \
    -n 'vsync --version (this binary starts and exits, no work)' "$VSYNC --version" \
    -n 'sh -c exit (what the run watchdog is)' "sh -c exit" \
    -n 'vsync run -e .env -- true (no GET, no decryption)' "$VSYNC run -e .env -- true" \
    >/dev/null)
medians "$BENCH_DIR/floors.json"
url=$(AWS_ACCESS_KEY_ID=$MINIO_ROOT_USER AWS_SECRET_ACCESS_KEY=$MINIO_ROOT_PASSWORD \
  aws --endpoint-url "$MINIO_ENDPOINT" s3 presign s3://bench/bench/prod/current.pgp)
"${RT[@]}" python3 - "$url" <<'PY'
import http.client, statistics, sys, time, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
def get():
    t = time.perf_counter()
    c = http.client.HTTPConnection(u.hostname, u.port)
    c.request("GET", u.path + "?" + u.query)
    r = c.getresponse()
    body = r.read()
    c.close()
    if r.status != 200 or len(body) < 20000:
        sys.exit(f"bench: presigned GET: {r.status}, {len(body)} bytes")
    return time.perf_counter() - t
for _ in range(20):
    get()
ts = sorted(get() * 1e3 for _ in range(300))
print(f"  {'MinIO GET, fresh connection (300, in-process)':<60} median {statistics.median(ts):7.2f} ms  mean {statistics.mean(ts):7.2f} ms  min {ts[0]:7.2f} ms")
PY

# Resident memory of the wrapper while its child sleeps: start it, wait for
# the child to exist, give vsync half a second (it releases the pages
# start-up touched once the child has run 100 ms), read /proc/PID/status,
# stop it. VmHWM is the peak, during start-up.
"${RT[@]}" "$VSYNC" run -- sleep 30 &
vpid=$!
for _ in $(seq 1 200); do
  # the child hangs off whichever of vsync's threads forked it
  child=$(cat /proc/$vpid/task/*/children 2>/dev/null | awk '{print $1}')
  [ -n "$child" ] && break
  sleep 0.01 # polling /proc for the child, with a bound
done
[ -n "$child" ] || { echo "bench: vsync run started no child" >&2; exit 1; }
sleep 0.5 # letting the wrapper settle while its child sleeps, not synchronising a test
mem=$(awk '/^(VmRSS|RssAnon|RssFile|VmHWM):/ {printf "%s %s kB  ", $1, $2}' /proc/$vpid/status)
rss=$(awk '/^VmRSS/ {print $2}' /proc/$vpid/status)
kill -TERM $vpid; wait $vpid || true
awk -v kb="$rss" 'BEGIN {printf "vsync run resident memory while the child sleeps: %.1f MB (%d kB; target < 15 MB)\n", kb / 1024, kb}'
echo "  $mem"

# AWS_CA_BUNDLE (docs/benchmarks.md, vault core): a pull with a profile
# (the SDK's default configuration) with and without the system bundle set,
# interleaved in one run.
ca=${BENCH_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
if [ -r "$ca" ]; then
  cd "$proj"
  load
  (unset VSYNC_CONFIG VSYNC_PASSPHRASE
    export AWS_ACCESS_KEY_ID=$MINIO_ROOT_USER AWS_SECRET_ACCESS_KEY=$MINIO_ROOT_PASSWORD
    hyperfine -N --warmup 5 --runs 60 --export-json "$BENCH_DIR/ca.json" \
      -n 'vsync pull --force' "$VSYNC pull prod --force" \
      -n "vsync pull --force, AWS_CA_BUNDLE=$ca" "env AWS_CA_BUNDLE=$ca $VSYNC pull prod --force" >/dev/null)
  medians "$BENCH_DIR/ca.json"
  load
fi
