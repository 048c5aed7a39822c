#!/usr/bin/env bash
# Interleaved start-up comparison (issue 14 items 1 and 4): hyperfine makes
# all the runs of one command before those of the next, so a drift of a
# shared machine within a run reads as a difference between commands. This
# script runs the commands round-robin instead (the order rotating every
# round), N rounds, from one warm Python process, and prints for each its
# min, median and 90th percentile, and for the first command how many
# rounds it beat each other one in:
#   vsync run -- true                 this build, runtime token, MinIO, 20 KB vault
#   vsync run -- true (BENCH_OLD)     the release build of git revision BENCH_OLD
#   do-it-yourself                    mktemp, gpg -d | tar -x, source, exec true
#                                     (the bundle already on local disk)
#   gpg -d | tar -x                   the bare floor
# Usage: BENCH_OLD=REV BENCH_ROUNDS=500 bash scripts/bench-pairs.sh
# BENCH_RT=1 runs MinIO and the timed commands at real-time priority
# (SCHED_FIFO 10, root only), as bench-run.sh does.
cd "$(dirname "$0")/.."
. scripts/lib-bench.sh
need minio gpg aws python3
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

run_dir=$BENCH_DIR/run && mkdir -p "$run_dir/diy" "$run_dir/out"
aws --endpoint-url "$MINIO_ENDPOINT" s3 cp s3://bench/bench/prod/current.pgp "$run_dir/current.pgp" >/dev/null
printf '%s\n' "$pass" >"$run_dir/pf"
cd "$run_dir"
export VSYNC_CONFIG=$token VSYNC_PASSPHRASE=$pass
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY

cmds=("vsync run -- true" "$VSYNC run -- true")
[ -z "$OLD" ] || cmds+=("vsync run -- true ($BENCH_OLD)" "$OLD run -- true")
cmds+=("do-it-yourself" "sh -c 'd=\$(mktemp -d -p diy); gpg --batch --quiet --passphrase-file pf -d current.pgp | tar -xf - -C \$d; cd \$d; set -a; . ./.env.prod; exec true'")
cmds+=("gpg -d | tar -x" "sh -c 'gpg --batch --quiet --passphrase-file pf -d current.pgp | tar -xf - -C out'")

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"${RT[@]}" python3 - "${BENCH_ROUNDS:-300}" "${cmds[@]}" <<'PY'
import os, shlex, statistics, sys, time
rounds = int(sys.argv[1])
pairs = sys.argv[2:]
names, argvs = pairs[0::2], [shlex.split(c) for c in pairs[1::2]]
def once(argv):
    t = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0] if argv[0].startswith("/") else "/usr/bin/env",
                         argv if argv[0].startswith("/") else ["env"] + argv, os.environ)
    _, status = os.waitpid(pid, 0)
    dt = time.perf_counter_ns() - t
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"bench: {argv[0]} failed")
    return dt / 1e6
for argv in argvs:  # warm-up
    for _ in range(5):
        once(argv)
times = [[] for _ in argvs]
for r in range(rounds):
    order = list(range(len(argvs)))
    order = order[r % len(order):] + order[:r % len(order)]
    for i in order:
        times[i].append(once(argvs[i]))
for name, t in zip(names, times):
    s = sorted(t)
    print(f"  {name:<45} min {s[0]:6.2f}  median {statistics.median(s):6.2f}  p90 {s[int(len(s)*0.9)]:6.2f} ms")
for j in range(1, len(names)):
    wins = sum(a < b for a, b in zip(times[0], times[j]))
    print(f"  {names[0]} faster than {names[j]} in {wins} of {rounds} rounds")
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
