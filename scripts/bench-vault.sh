#!/usr/bin/env bash
# Benchmark of the vault core against MinIO on loopback (issue #2):
#   push and pull of a 20 KB env (50 variables, two files) and of a 20 MB env,
#   each pull in a fresh process with a generated passphrase (hyperfine),
#   peak resident memory of a 20 MB pull (/usr/bin/time), and bulk decrypt
#   throughput (go test -bench).
# Usage: bash scripts/bench-vault.sh   (needs minio, hyperfine, time, awscli)
cd "$(dirname "$0")/.."
. scripts/lib-bench.sh
need minio hyperfine aws curl python3
build_vsync
start_minio

bench_profile_project
"$VSYNC" init small --profile bench --prefix bench >/dev/null
"$VSYNC" init big --profile bench --prefix bench >/dev/null
make_env infra/vault/small 50 8 8          # ~20 KB
make_env infra/vault/big 50 10240 10240    # ~20 MB

echo "== push (hyperfine, each run pushes a new generation)"
hyperfine -N --warmup 1 --runs 20 \
  --prepare "sh -c 'echo BUMP=\$(date +%s%N) >> infra/vault/small/.env.small'" \
  -n 'push 20 KB' "$VSYNC push small --note bench" --export-json "$BENCH_DIR/push-small.json" >/dev/null
medians "$BENCH_DIR/push-small.json"
hyperfine -N --runs 5 \
  --prepare "sh -c 'echo BUMP=\$(date +%s%N) >> infra/vault/big/.env.big'" \
  -n 'push 20 MB' "$VSYNC push big --note bench" --export-json "$BENCH_DIR/push-big.json" >/dev/null
medians "$BENCH_DIR/push-big.json"

echo "== pull into an empty folder (fresh process each run)"
hyperfine -N --warmup 3 --runs 50 \
  --prepare "rm -rf $proj/infra/vault/small $proj/infra/vault/.vsync/small.json" \
  -n 'pull 20 KB' "$VSYNC pull small" --export-json "$BENCH_DIR/pull-small.json" >/dev/null
medians "$BENCH_DIR/pull-small.json"
hyperfine -N --warmup 1 --runs 5 \
  --prepare "rm -rf $proj/infra/vault/big $proj/infra/vault/.vsync/big.json" \
  -n 'pull 20 MB' "$VSYNC pull big" --export-json "$BENCH_DIR/pull-big.json" >/dev/null
medians "$BENCH_DIR/pull-big.json"

echo "== peak memory of a 20 MB pull"
rm -rf infra/vault/big infra/vault/.vsync/big.json
size=$(aws --endpoint-url "$MINIO_ENDPOINT" s3api head-object --bucket bench --key bench/big/current.pgp --query ContentLength --output text)
/usr/bin/time -f '%M' -o "$BENCH_DIR/rss" "$VSYNC" pull big >/dev/null
rss_kb=$(cat "$BENCH_DIR/rss")
python3 - "$size" "$rss_kb" <<'PY'
import sys
size, rss = int(sys.argv[1]), int(sys.argv[2]) * 1024
print(f"bundle {size/1e6:.1f} MB, peak RSS {rss/1e6:.1f} MB = {rss/size:.2f} x bundle (target < 3)")
PY

echo "== bulk decrypt (go test -bench)"
cd "$REPO"
go test -run '^$' -bench 'Decrypt20MB|SealOpen20KB' -benchmem ./vault | grep -E '^Benchmark'
