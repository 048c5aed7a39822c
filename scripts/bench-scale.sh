#!/usr/bin/env bash
# Scaling (issue 14 item 5), the rows this script covers: bundle size (one
# file of 1 KB ... 100 MB beside a 10-variable dotenv) and variable count
# (10 ... 10,000 variables, no other file). Per row, one hyperfine run
# interleaves `vsync run -- true` (runtime token, GET from MinIO) with its
# peer, `curl presigned | gpg -d | tar -x` then sourcing the dotenv, on the
# same object; the load average is printed before and after each row (the
# machine is shared: read times against it).
# Usage: bash scripts/bench-scale.sh [sizes|vars|all]   (needs minio, hyperfine, gpg, awscli, curl)
cd "$(dirname "$0")/.."
. scripts/lib-bench.sh
need minio hyperfine gpg aws curl python3
what=${1:-all}
build_vsync
start_minio
bench_profile_project
load() { cut -d' ' -f1-3 /proc/loadavg; }

# row NAME VARS FILE_BYTES: push env NAME and time run vs the peer.
row() {
  local env=$1 vars=$2 bytes=$3
  "$VSYNC" init "$env" --profile bench --prefix bench >/dev/null
  make_env "infra/vault/$env" "$vars"
  [ "$bytes" -eq 0 ] || head -c "$bytes" /dev/urandom >"infra/vault/$env/blob.bin"
  "$VSYNC" push "$env" --note scale >/dev/null
  local pass token url size out runs
  pass=$(cat "$XDG_CONFIG_HOME"/vsync/passphrases/"$env"-*)
  printf '%s\n' "$pass" >"$BENCH_DIR/pf-$env"
  token=$("$VSYNC" runtime-token --env "$env" --access-key "$AWS_ACCESS_KEY_ID" --secret-key "$AWS_SECRET_ACCESS_KEY")
  url=$(aws --endpoint-url "$MINIO_ENDPOINT" s3 presign "s3://bench/bench/$env/current.pgp")
  size=$(aws --endpoint-url "$MINIO_ENDPOINT" s3api head-object --bucket bench --key "bench/$env/current.pgp" --query ContentLength --output text)
  out=$BENCH_DIR/out-$env && mkdir -p "$out"
  runs=30; [ "$bytes" -lt 10000000 ] || runs=8
  local before; before=$(load)
  hyperfine -N --warmup 2 --runs "$runs" --export-json "$BENCH_DIR/$env.json" \
    -n vsync "env VSYNC_CONFIG=$token VSYNC_PASSPHRASE=$pass $VSYNC run -- true" \
    -n peer "sh -c 'curl -fsS \"$url\" | gpg --batch --quiet --passphrase-file $BENCH_DIR/pf-$env -d | tar -xf - -C $out; cd $out; set -a; . ./.env.$env; exec true'" \
    >/dev/null 2>&1
  python3 - "$BENCH_DIR/$env.json" "$env" "$vars" "$size" "$before" "$(load)" <<'PY'
import json, sys
f, env, vars, size, before, after = sys.argv[1:]
r = {x["command"]: x for x in json.load(open(f))["results"]}
v, p = r["vsync"]["median"] * 1e3, r["peer"]["median"] * 1e3
print(f"| {env} | {vars} | {int(size)/1e6:.3f} MB | {v:.1f} ms | {p:.1f} ms | {v/p:.2f} | {before} → {after} |")
PY
  rm -rf "infra/vault/$env" "$out"
}

echo "| env | variables | bundle | vsync run (median) | curl \\| gpg \\| tar, source (median) | ratio | load average before → after |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
if [ "$what" = sizes ] || [ "$what" = all ]; then
  for b in 1000 1000000 10000000 100000000; do row "s$b" 10 "$b"; done
fi
if [ "$what" = vars ] || [ "$what" = all ]; then
  for n in 10 100 1000 10000; do row "v$n" "$n" 0; done
fi
