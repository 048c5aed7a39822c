#!/usr/bin/env bash
# Start-up benchmark of `vsync run` (issue #3), side by side in one run:
#   vsync run -- true   with a runtime token against MinIO on loopback and a
#                       20 KB vault (50 variables, two files), generated passphrase
#   true                bare
#   foreman run true    with the same 50 variables in .env (Debian ruby-foreman)
#   gpg -d | tar -x     over the same bundle, already on disk
# and the wrapper's resident memory while its child sleeps.
# Usage: bash scripts/bench-run.sh   (needs minio, hyperfine, foreman, gpg, awscli)
cd "$(dirname "$0")/.."
. scripts/lib-bench.sh
need minio hyperfine foreman gpg aws curl python3
build_vsync
start_minio

"$VSYNC" profile add bench --bucket bench --endpoint "$MINIO_ENDPOINT" --path-style >/dev/null
proj=$BENCH_DIR/proj
mkdir -p "$proj" && cd "$proj"
unset VSYNC_PASSPHRASE
"$VSYNC" init prod --profile bench --prefix bench >"$BENCH_DIR/init.out"
make_env infra/vault/prod 50 8 8
"$VSYNC" push prod --note bench >/dev/null
pass=$(cat "$XDG_CONFIG_HOME"/vsync/passphrases/prod-*)
case "$pass" in vsp1-*) ;; *) echo "bench: expected a generated passphrase" >&2; exit 1 ;; esac
token=$("$VSYNC" runtime-token --env prod --access-key "$AWS_ACCESS_KEY_ID" --secret-key "$AWS_SECRET_ACCESS_KEY")

# The peers get the same material: foreman the same variables in .env, the
# gpg pipeline the same encrypted bundle.
run_dir=$BENCH_DIR/run && mkdir -p "$run_dir"
cp infra/vault/prod/.env.prod "$run_dir/.env"
aws --endpoint-url "$MINIO_ENDPOINT" s3 cp s3://bench/bench/prod/current.pgp "$run_dir/current.pgp" >/dev/null
printf '%s\n' "$pass" >"$run_dir/pf"
mkdir -p "$run_dir/out"
cd "$run_dir"
printf 'bundle: %s bytes\n' "$(stat -c %s current.pgp)"

# The runtime environment: nothing but the token and the passphrase.
export VSYNC_CONFIG=$token VSYNC_PASSPHRASE=$pass
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
hyperfine -N --warmup 5 --runs 100 --export-json "$BENCH_DIR/run.json" \
  -n 'true' 'true' \
  -n 'vsync run -- true' "$VSYNC run -- true" \
  -n 'foreman run true' 'foreman run true' \
  -n 'gpg -d | tar -x' "sh -c 'gpg --batch --quiet --passphrase-file pf -d current.pgp | tar -xf - -C out'"
  >/dev/null
medians "$BENCH_DIR/run.json"

# Resident memory of the wrapper while its child sleeps: start it, wait for
# the child to exist, read VmRSS, stop it.
"$VSYNC" run -- sleep 30 &
vpid=$!
for _ in $(seq 1 200); do
  child=$(cat /proc/$vpid/task/$vpid/children 2>/dev/null | awk '{print $1}')
  [ -n "$child" ] && break
  sleep 0.01 # polling /proc for the child, with a bound
done
rss=$(awk '/^VmRSS/ {print $2}' /proc/$vpid/status)
kill -TERM $vpid; wait $vpid || true
echo "vsync run resident memory while the child sleeps: $((rss / 1024)) MB ($rss kB; target < 15 MB)"
