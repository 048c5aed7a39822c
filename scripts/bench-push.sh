#!/usr/bin/env bash
# Push of a big bundle (issue 14 item 1), the builds alternated push by
# push on one MinIO, so that a drift of the machine or of the bucket hits
# every build alike: wall time, CPU (user + sys) and peak RSS of each push
# (/usr/bin/time), medians per build. The builds: this one, BENCH_OLD (a
# git revision) when set, and any binaries named in BENCH_BINS (paths,
# space-separated). Prints the load average before and after.
# Usage: BENCH_OLD=REF bash scripts/bench-push.sh [MB] [PAIRS]   (needs minio, aws, time)
cd "$(dirname "$0")/.."
. scripts/lib-bench.sh
need minio aws python3
mb=${1:-100}
pairs=${2:-8}
build_vsync
build_old_vsync
start_minio
bench_profile_project
bins=("$VSYNC")
[ -z "$OLD" ] || bins+=("$OLD")
for b in ${BENCH_BINS:-}; do bins+=("$b"); done
env=big
"$VSYNC" init "$env" --profile bench --prefix bench >/dev/null
mkdir -p "infra/vault/$env"
echo "GREETING=hello" >"infra/vault/$env/.env.$env"
head -c $((mb * 1000000 - 4096)) /dev/urandom >"infra/vault/$env/blob.bin"
"$VSYNC" push "$env" --note first >/dev/null
printf 'push of %s MB, %s pushes per build, alternated; load average: %s\n' "$mb" "$pairs" "$(cut -d' ' -f1-3 /proc/loadavg)"
: >"$BENCH_DIR/times"
for i in $(seq 1 "$pairs"); do
  for j in "${!bins[@]}"; do
    # Every other round the other way round.
    k=$j; [ $((i % 2)) = 0 ] && k=$(( ${#bins[@]} - 1 - j ))
    date +%s%N >"infra/vault/$env/stamp"
    /usr/bin/time -f "$k %e %U %S %M" -a -o "$BENCH_DIR/times" "${bins[$k]}" push "$env" --note bench >/dev/null
  done
done
python3 - "$BENCH_DIR/times" "${bins[@]}" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip() and l.split()[0].isdigit()]
for k, name in enumerate(sys.argv[2:]):
    r = [x for x in rows if int(x[0]) == k]
    wall = statistics.median(float(x[1]) for x in r) * 1e3
    cpu = statistics.median(float(x[2]) + float(x[3]) for x in r) * 1e3
    rss = [int(x[4]) * 1024 // 1000000 for x in r]
    print(f"  {name.split('/')[-1]:<16} wall median {wall:6.0f} ms  cpu median {cpu:6.0f} ms  peak RSS median {statistics.median(rss):.0f} MB (max {max(rss)})")
PY
printf '  load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
