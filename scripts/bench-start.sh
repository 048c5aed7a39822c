#!/usr/bin/env bash
# Benchmark of `vsync start` (issue #4), side by side with `foreman start`
# (Debian ruby-foreman) in one run:
#   output load     4 processes each printing LINES lines (default 200,000) of
#                   about 60 bytes as fast as they can; every process waits
#                   for the others before exiting, so the whole output is
#                   measured
#   start and stop  a 3-process Procfile whose processes print a line and exit
# and vsync's resident memory: peak under the output load, and at rest with
# 3 sleeping processes; and the stop of 3, 100 and 200 sleeping processes.
# With `procs` (issue 14 item 5) it skips the output load and the 3-process
# start and stop, and gives instead, for 1 ... 200 processes, the start and
# stop of N processes that print a line and exit (vsync beside foreman up to
# 10, one hyperfine run per N, load average before and after).
# Usage: bash scripts/bench-start.sh [all|procs]  (needs hyperfine, foreman, /usr/bin/time)
cd "$(dirname "$0")/.."
# lib-bench.sh moves HOME: keep the Go caches where they are.
export GOMODCACHE=$(go env GOMODCACHE) GOCACHE=$(go env GOCACHE) GOPATH=$(go env GOPATH)
. scripts/lib-bench.sh
need hyperfine foreman /usr/bin/time awk
build_vsync
LINES=${LINES:-200000}
what=${1:-all}
load() { cut -d' ' -f1-3 /proc/loadavg; }

if [ "$what" = procs ]; then
  echo "| processes | vsync start (median) | foreman start (median) | load average before → after |"
  echo "| --- | --- | --- | --- |"
  for n in 1 10 50 100 200; do
    d=$BENCH_DIR/scale$n && mkdir -p "$d" && cd "$d"
    for i in $(seq 1 "$n"); do echo "p$i: echo p$i"; done >Procfile
    cmds=(-n vsync "$VSYNC start")
    [ "$n" -gt 10 ] || cmds+=(-n foreman 'timeout -k 5 120 foreman start')
    before=$(load)
    hyperfine -N --warmup 2 --runs 10 --export-json "$d/h.json" "${cmds[@]}" >/dev/null
    python3 - "$d/h.json" "$n" "$before" "$(load)" <<'PY'
import json, sys
f, n, before, after = sys.argv[1:]
r = {x["command"]: x["median"] * 1e3 for x in json.load(open(f))["results"]}
fm = f"{r['foreman']:.1f} ms" if "foreman" in r else "—"
print(f"| {n} | {r['vsync']:.1f} ms | {fm} | {before} → {after} |")
PY
  done
fi

if [ "$what" = all ]; then

load=$BENCH_DIR/load && mkdir -p "$load" && cd "$load"
procfile() { # procfile N: 4 processes printing N lines each
  local spew wait4
  spew='awk '\''BEGIN { for (i = 0; i < @N@; i++) printf "%s line %08d of the output load benchmark, padded\n", ENVIRON["PS"], i }'\'
  spew=${spew/@N@/$1}
  wait4='touch "$PS.done"; while [ "$(ls *.done | wc -l)" -lt 4 ]; do sleep 0.01; done'
  for i in 1 2 3 4; do echo "p$i: $spew; $wait4"; done >Procfile
}
procfile "$LINES"
head -1 Procfile
hyperfine --warmup 1 --runs 5 --prepare 'rm -f *.done' --export-markdown "$BENCH_DIR/load.md" \
  -n "vsync start (4 x $LINES lines)" "$VSYNC start" \
  -n "foreman start (4 x $LINES lines)" 'timeout -k 5 300 foreman start'
cat "$BENCH_DIR/load.md"
rm -f *.done
/usr/bin/time -f '%M' -o "$BENCH_DIR/maxrss" "$VSYNC" start >/dev/null
echo "vsync start peak resident memory under the output load: $(( $(cat "$BENCH_DIR/maxrss") / 1024 )) MB"
rm -f *.done
"$VSYNC" start | awk 'END { print NR " lines printed by vsync start (want " 4 * '"$LINES"' + 9 ")" }'

stop=$BENCH_DIR/stop && mkdir -p "$stop" && cd "$stop"
printf 'web: echo web\nworker: echo worker\nclock: echo clock\n' >Procfile
hyperfine -N --warmup 5 --runs 50 --export-markdown "$BENCH_DIR/stop.md" \
  -n 'vsync start (3 processes print and exit)' "$VSYNC start" \
  -n 'foreman start (3 processes print and exit)' 'foreman start'
cat "$BENCH_DIR/stop.md"
fi

rest=$BENCH_DIR/rest && mkdir -p "$rest" && cd "$rest"
printf 'web: sleep 30\nworker: sleep 30\nclock: sleep 30\n' >Procfile
"$VSYNC" start >/dev/null &
vpid=$!
for _ in $(seq 1 200); do
  [ "$(cat /proc/$vpid/task/*/children 2>/dev/null | wc -w)" -ge 3 ] && break
  sleep 0.01 # polling /proc for the children, with a bound
done
sleep 0.5 # vsync start releases its start-up pages 100 ms after the group starts; not synchronising a test
rss=$(awk '/^VmRSS/ {print $2}' /proc/$vpid/status)
kill -TERM $vpid; wait $vpid || true
echo "vsync start resident memory with 3 sleeping processes: $((rss / 1024)) MB ($rss kB; target ≤ 5 MB, as vsync run)"

# stop of N sleeping processes (issue 14): SIGTERM to vsync once all N are
# up, time until vsync has exited; median of 10 runs for each N
echo "load average: $(load)"
for n in 1 3 10 50 100 200; do
  many=$BENCH_DIR/stop$n && mkdir -p "$many" && cd "$many"
  for i in $(seq 1 "$n"); do echo "p$i: sleep 30"; done >Procfile
  for _ in $(seq 1 10); do
    "$VSYNC" start >/dev/null &
    vpid=$!
    for _ in $(seq 1 1000); do # the N processes and the watchdog
      [ "$(cat /proc/$vpid/task/*/children 2>/dev/null | wc -w)" -ge $((n + 1)) ] && break
      sleep 0.01 # polling /proc for the children, with a bound
    done
    t0=$(date +%s%N); kill -TERM $vpid; wait $vpid || true; t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000))
  done | sort -n | awk -v n="$n" '{ t[NR] = $1 } END { printf "vsync start stop of %d sleeping processes: median %.1f ms (min %.1f ms, %d runs)\n", n, t[int((NR + 1) / 2)] / 1000, t[1] / 1000, NR }'
done
echo "load average: $(load)"
