#!/usr/bin/env bash
# Polling cost of `vsync run --watch` (issue #5) with nothing changed, for
# a runtime token against MinIO on loopback and a 20 KB vault:
#   requests per poll   MinIO's own request counters (metrics v3, made
#                       public for this throwaway server), every API summed
#   CPU time per poll   of the vsync process (the child is `sleep`): the sum
#                       of its threads' run time from /proc/PID/task/*/schedstat
#                       (nanoseconds), and utime+stime from /proc/PID/stat
#                       (clock ticks) as a cross-check
# Polls are counted from vsync's own debug lines (VSYNC_DEBUG=watch: one
# line per poll, written when the poll is done). Snapshots are taken just
# after a poll line appears, when the next poll is at least 90% of an
# interval away, so no request is in flight.
# and vsync's resident memory (VmRSS, RssAnon, RssFile) after the first
# polls and at the end.
# Usage: bash scripts/bench-watch.sh [POLLS] [INTERVAL_MS]   (default 300
# polls at --watch=100ms; needs minio, curl, python3, awscli)
#
# Many watchers against one MinIO (issue 14 item 5):
#   bash scripts/bench-watch.sh watchers [SECONDS] [INTERVAL_MS] [N...]
# starts N `vsync run --watch` processes on the same env (default 1 10 25 50,
# 20 s at --watch=200ms each) and prints, per N, the polls MinIO answered,
# the CPU per poll of all the watchers (their threads' run time) and of
# MinIO (utime+stime), and the load average before and after.
cd "$(dirname "$0")/.."
. scripts/lib-bench.sh
need minio curl python3 aws
MODE=polls
if [ "${1:-}" = watchers ]; then MODE=watchers; shift; fi
POLLS=${1:-300}
INTERVAL_MS=${2:-100}
INTERVAL=${INTERVAL_MS}ms
export MINIO_PROMETHEUS_AUTH_TYPE=public
build_vsync
start_minio

bench_project

# requests: every S3 API request MinIO has counted so far.
requests() {
  curl -fsS "$MINIO_ENDPOINT/minio/metrics/v3/api/requests" |
    awk '/^minio_api_requests_total\{/ && /type="s3"/ {n += $NF} END {printf "%d\n", n}'
}
# cpu_ns PID: run time of all its threads, in nanoseconds.
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{n += $1} END {printf "%d\n", n}'; }
# cpu_ticks PID: utime + stime in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' /proc/"$1"/stat; }
polls() { grep -c 'watch poll' "$BENCH_DIR/watch.err" || true; }
# after_poll N: wait (bounded) until at least N polls are logged. While
# many polls remain it sleeps through most of them, so that the checks
# (each a grep process) do not compete with vsync for the CPU.
after_poll() {
  local deadline=$((SECONDS + 600)) left
  while left=$(($1 - $(polls))); [ "$left" -gt 0 ]; do
    [ $SECONDS -lt $deadline ] || { echo "bench: vsync stopped polling" >&2; exit 1; }
    if [ "$left" -gt 3 ]; then
      sleep "$(awk -v n="$left" -v ms="$INTERVAL_MS" 'BEGIN {print n * ms * 0.8 / 1000}')"
    else
      sleep 0.005 # polling a log file for a condition, with a deadline
    fi
  done
}

# rss PID: its resident memory, from /proc/PID/status.
rss() { awk '/^(VmRSS|RssAnon|RssFile):/ {printf "%s %.1f MB  ", $1, $2 / 1024}' /proc/"$1"/status; }

if [ "$MODE" = watchers ]; then
  SECS=$POLLS
  [ "$#" -gt 2 ] && shift 2 || set -- 1 10 25 50
  load() { cut -d' ' -f1-3 /proc/loadavg; }
  echo "| watchers | polls (MinIO requests) | watchers' CPU per poll | MinIO's CPU per poll | load average before → after |"
  echo "| --- | --- | --- | --- | --- |"
  for n in "$@"; do
    pids=()
    for i in $(seq 1 "$n"); do
      d=$BENCH_DIR/w$n-$i && mkdir -p "$d"
      (cd "$d" && export VSYNC_CONFIG=$token VSYNC_PASSPHRASE=$pass XDG_RUNTIME_DIR=$d
        unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
        exec "$VSYNC" run --watch="$INTERVAL" -- sleep 100000) &
      pids+=($!)
    done
    sleep 3 # letting every watcher fetch and page in before the window; a benchmark, not a test
    before=$(load)
    r0=$(requests) m0=$(cpu_ticks "$MINIO_PID") c0=0
    for p in "${pids[@]}"; do c0=$((c0 + $(cpu_ns "$p"))); done
    sleep "$SECS" # the measured window
    r1=$(requests) m1=$(cpu_ticks "$MINIO_PID") c1=0
    for p in "${pids[@]}"; do c1=$((c1 + $(cpu_ns "$p"))); done
    kill -TERM "${pids[@]}"; wait "${pids[@]}" || true
    # MinIO's CPU from /proc/PID/stat (utime+stime, clock ticks): the
    # threads' schedstat loses the time of the threads that exited.
    awk -v n="$n" -v r=$((r1 - r0)) -v c=$((c1 - c0)) -v m=$((m1 - m0)) -v hz="$(getconf CLK_TCK)" -v b="$before" -v a="$(load)" \
      'BEGIN { printf "| %d | %d | %.3f ms | %.3f ms | %s → %s |\n", n, r, c / 1e6 / r, m * 1000 / hz / r, b, a }'
  done
  exit 0
fi

run_dir=$BENCH_DIR/run && mkdir -p "$run_dir" && cd "$run_dir"
export VSYNC_CONFIG=$token VSYNC_PASSPHRASE=$pass XDG_RUNTIME_DIR=$run_dir
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
: >"$BENCH_DIR/watch.err" # before vsync starts: polls() reads it at once
VSYNC_DEBUG=watch "$VSYNC" run --watch="$INTERVAL" -- sleep 100000 2>"$BENCH_DIR/watch.err" &
vpid=$!

# Skip the first polls (the connection is set up, the code paged in).
after_poll 5
p0=$(polls) r0=$(requests) c0=$(cpu_ns $vpid) t0=$(cpu_ticks $vpid) m0=$(rss $vpid)
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
after_poll $((p0 + POLLS))
p1=$(polls) r1=$(requests) c1=$(cpu_ns $vpid) t1=$(cpu_ticks $vpid) m1=$(rss $vpid)
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "resident memory after $p0 polls: $m0"
echo "resident memory after $p1 polls: $m1"
kill -TERM $vpid; wait $vpid || true

if grep -v 'watch poll [0-9]*: not modified$' "$BENCH_DIR/watch.err" | grep -q .; then
  echo "bench: unexpected lines from vsync:" >&2; grep -v 'not modified$' "$BENCH_DIR/watch.err" >&2; exit 1
fi
hz=$(getconf CLK_TCK)
python3 - "$p0" "$p1" "$r0" "$r1" "$c0" "$c1" "$t0" "$t1" "$hz" "$INTERVAL" <<'PY'
import sys
p0, p1, r0, r1, c0, c1, t0, t1, hz = map(int, sys.argv[1:10])
polls, reqs = p1 - p0, r1 - r0
if reqs <= 0:
    sys.exit("bench: MinIO counted no request: does it serve /minio/metrics/v3/api/requests?")
print(f"polls: {polls} at --watch={sys.argv[10]}, nothing changed")
print(f"requests: {reqs} = {reqs / polls:.3f} per poll (target: exactly 1)")
print(f"CPU (threads' run time): {(c1 - c0) / 1e6:.1f} ms = {(c1 - c0) / 1e6 / polls:.3f} ms per poll (target < 1 ms)")
print(f"CPU (utime+stime, {hz} Hz ticks): {(t1 - t0) * 1000 / hz:.0f} ms = {(t1 - t0) * 1000 / hz / polls:.3f} ms per poll")
PY
