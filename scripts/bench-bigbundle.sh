#!/usr/bin/env bash
# Peak resident memory of vsync with big bundles (issue #10, item 3): push,
# pull (into an empty folder, and over an unchanged one), verify, run with a
# profile and run with a runtime token, for envs of one file of 1 MB, 100 MB
# and 256 MB (10^6 bytes; the last just under the default 256 MiB limit),
# each in a fresh process, measured by /usr/bin/time (%M, the peak RSS), and
# compared with the target: at most 2 x bundle + 32 MB.
# Usage: bash scripts/bench-bigbundle.sh [MB...]   (needs minio, time, awscli)
cd "$(dirname "$0")/.."
. scripts/lib-bench.sh
need minio aws curl python3
build_vsync
start_minio
bench_profile_project

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1 100 256)

# peak CMD...: runs CMD, prints its peak RSS in KB.
peak() {
  /usr/bin/time -f '%M' -o "$BENCH_DIR/rss" "$@" >/dev/null 2>"$BENCH_DIR/err" || {
    cat "$BENCH_DIR/err" >&2; return 1; }
  cat "$BENCH_DIR/rss"
}

printf '%-8s %-12s %10s %10s %8s %s\n' env what bundle_MB peak_MB x_bundle "target 2x+32MB"
for mb in "${sizes[@]}"; do
  env=b$mb
  "$VSYNC" init "$env" --profile bench --prefix bench >/dev/null
  mkdir -p "infra/vault/$env"
  echo "GREETING=hello" >"infra/vault/$env/.env.$env"
  head -c $((mb * 1000000 - 4096)) /dev/urandom >"infra/vault/$env/blob.bin"
  results=()
  results+=("push $(peak "$VSYNC" push "$env" --note bench)")
  size=$(aws --endpoint-url "$MINIO_ENDPOINT" s3api head-object --bucket bench --key "bench/$env/current.pgp" --query ContentLength --output text)
  rm -rf "infra/vault/$env" "infra/vault/.vsync/$env.json"
  results+=("pull-empty $(peak "$VSYNC" pull "$env")")
  results+=("pull-over $(peak "$VSYNC" pull "$env" --force)")
  results+=("verify $(peak "$VSYNC" verify "$env")")
  results+=("run $(peak "$VSYNC" run --env "$env" -- true)")
  pass=$(cat "$XDG_CONFIG_HOME"/vsync/passphrases/"$env"-*)
  token=$("$VSYNC" runtime-token --env "$env" --access-key "$AWS_ACCESS_KEY_ID" --secret-key "$AWS_SECRET_ACCESS_KEY")
  results+=("run-token $(VSYNC_CONFIG=$token VSYNC_PASSPHRASE=$pass peak "$VSYNC" run -- true)")
  for r in "${results[@]}"; do
    set -- $r
    python3 - "$env" "$1" "$size" "$2" <<'PY'
import sys
env, what, size, rss = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) * 1024
target = 2 * size + 32e6
print(f"{env:<8} {what:<12} {size/1e6:10.1f} {rss/1e6:10.1f} {rss/size:8.2f} {'met' if rss <= target else 'MISSED'} ({target/1e6:.0f} MB)")
PY
  done
  rm -rf "infra/vault/$env"
done
