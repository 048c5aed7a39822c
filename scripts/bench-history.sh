#!/usr/bin/env bash
# Benchmark of long histories against MinIO on loopback (issue 14, item 2):
# four envs of small bundles (20 variables and a 1 KB file), 10 and 500
# generations, each with a generated passphrase (salted S2K) and with a
# chosen one (iterated S2K, 16,777,216 bytes), all pushed by this script
# through vsync. For each: pull into an empty folder, push of one more
# generation, log, log --limit 1 and verify (hyperfine medians).
# With BENCH_OLD=REV (a git revision) the same commands of that revision's
# build run in the same hyperfine runs, on the same histories (but log
# --limit, which it does not have, and log --no-cache and log with the log
# cache emptied before each run, which are the new build's only).
# BENCH_GENS (default "10 500") sets the history lengths: with
# BENCH_GENS="10 50 100 500" it gives the generations rows of the scaling
# table (issue 14 item 5). verify's run holds its floor too: the bare
# GETs of the same objects (the env's generations and current.pgp, 64 in
# flight) by a minimal client, scripts/getfloor, nothing decrypted or
# checked. The load average is printed before and after each env.
# Usage: bash scripts/bench-history.sh   (needs minio, hyperfine, awscli)
cd "$(dirname "$0")/.."
. scripts/lib-bench.sh
need minio hyperfine aws curl python3
build_vsync
build_old_vsync
go build -o "$BENCH_DIR/getfloor" ./scripts/getfloor
start_minio
bench_profile_project
CHOSEN="a passphrase a person chose, long"
GENS=${BENCH_GENS:-10 500}
ENVS=()
for n in $GENS; do ENVS+=("gen$n"); done
for n in $GENS; do ENVS+=("human$n"); done
for n in $GENS; do
  "$VSYNC" init "gen$n" --profile bench --prefix bench >/dev/null
  VSYNC_PASSPHRASE=$CHOSEN "$VSYNC" init "human$n" --profile bench --prefix bench >/dev/null
done
push_n() { # ENV N: N generations, each a push of its own process
  for i in $(seq 1 "$2"); do
    echo "BUMP=$i" >>"infra/vault/$1/.env.$1"
    "$VSYNC" push "$1" --note "bench $i" >/dev/null
  done
}
for env in "${ENVS[@]}"; do
  make_env "infra/vault/$env" 20 1
  t0=$(date +%s%N)
  push_n "$env" "${env//[a-z]/}"
  echo "built $env: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# bench NAME RUNS [hyperfine options] -- COMMAND: COMMAND with the new build
# and, with BENCH_OLD, with the old one, in one hyperfine run; with FLOOR
# set, that command too, named "NAME (floor)".
bench() {
  local name=$1 runs=$2; shift 2
  local opts=()
  while [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  local cmds=(-n "$name" "$VSYNC $*")
  [ -n "$OLD" ] && cmds+=(-n "$name (old build)" "$OLD $*")
  [ -n "${FLOOR:-}" ] && cmds+=(-n "$name (floor)" "$FLOOR")
  hyperfine -N --warmup 1 --runs "$runs" "${opts[@]}" "${cmds[@]}" \
    --export-json "$BENCH_DIR/h.json" >/dev/null
  medians "$BENCH_DIR/h.json"
}
for env in "${ENVS[@]}"; do
  echo "== $env (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  bench "pull $env" 20 --prepare "rm -rf $proj/infra/vault/$env" -- pull "$env" --force
  # log keeps its entries in the log cache: the warm-up fills it, so "log"
  # is the cache warm; emptied before each run, it is the first log
  bench "log $env" 5 -- log "$env"
  OLD= bench "log, cache emptied $env" 5 --prepare "rm -rf $HOME/.cache/vsync/log" -- log "$env"
  OLD= bench "log --no-cache $env" 5 -- log "$env" --no-cache
  OLD= bench "log --limit 1 $env" 20 -- log "$env" --limit 1
  FLOOR="$BENCH_DIR/getfloor -prefix bench/$env -gens ${env//[a-z]/}" \
    bench "verify $env" 10 -- verify "$env"
  # last: the old build's pushes seal with a random salt each
  bench "push $env" 10 --prepare "sh -c 'echo BUMP=\$(date +%s%N) >>$proj/infra/vault/$env/.env.$env'" -- push "$env" --note bench
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
