#!/usr/bin/env bash
# Bulk (issue 14 item 1): vsync run and pull of a big bundle beside
# `curl presigned | gpg -d | tar -x` in the same hyperfine run, push of the
# same env (beside the older build's push, both orders), and the 20 KB cold start of this build interleaved with an older
# one (BENCH_OLD, a git ref; default main's first parent of HEAD is not
# guessed: set it, e.g. BENCH_OLD=81acbc7). Peak RSS of run, pull, push and
# verify against 1.3 x bundle + 16 MB. Prints the load average with every
# figure: this machine is shared.
# Usage: BENCH_OLD=REF bash scripts/bench-bulk.sh [MB]   (needs minio, hyperfine, gpg, awscli, curl, time)
cd "$(dirname "$0")/.."
. scripts/lib-bench.sh
need minio hyperfine gpg aws curl python3
mb=${1:-100}
build_vsync
build_old_vsync
start_minio
bench_project # the 20 KB env prod: $pass, $token
load() { printf '  load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"; }

if [ -n "$OLD" ]; then
  echo "20 KB cold start, vsync run -- true with a token (old $BENCH_OLD vs new, interleaved):"
  load
  # hyperfine runs one command's runs after the other's: run the pair
  # again in the other order, so that a drift of the machine shows.
  (export VSYNC_CONFIG=$token VSYNC_PASSPHRASE=$pass; unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
    hyperfine -N --warmup 5 --runs 100 --export-json "$BENCH_DIR/cold.json" \
      -n "old ($BENCH_OLD)" "$OLD run -- true" -n new "$VSYNC run -- true" >/dev/null
    medians "$BENCH_DIR/cold.json"
    hyperfine -N --warmup 5 --runs 100 --export-json "$BENCH_DIR/cold.json" \
      -n new "$VSYNC run -- true" -n "old ($BENCH_OLD)" "$OLD run -- true" >/dev/null
    medians "$BENCH_DIR/cold.json")
  load
fi

env=big
"$VSYNC" init "$env" --profile bench --prefix bench >/dev/null
mkdir -p "infra/vault/$env"
echo "GREETING=hello" >"infra/vault/$env/.env.$env"
head -c $((mb * 1000000 - 4096)) /dev/urandom >"infra/vault/$env/blob.bin"
bigpass=$(cat "$XDG_CONFIG_HOME"/vsync/passphrases/"$env"-*)
"$VSYNC" push "$env" --note first >/dev/null
size=$(aws --endpoint-url "$MINIO_ENDPOINT" s3api head-object --bucket bench --key "bench/$env/current.pgp" --query ContentLength --output text)
url=$(aws --endpoint-url "$MINIO_ENDPOINT" s3 presign "s3://bench/bench/$env/current.pgp")
printf '%s\n' "$bigpass" >"$BENCH_DIR/bigpf"
bigtoken=$("$VSYNC" runtime-token --env "$env" --access-key "$AWS_ACCESS_KEY_ID" --secret-key "$AWS_SECRET_ACCESS_KEY")
out=$BENCH_DIR/out && mkdir -p "$out"
pulldir=$BENCH_DIR/pullproj && cp -r "$proj" "$pulldir" && rm -rf "$pulldir/infra/vault/$env"
echo "bundle: $size bytes"

echo "run and pull of the bundle beside curl | gpg | tar (one hyperfine run):"
load
cmds=(
  -n 'curl presigned | gpg -d | tar -x' "sh -c 'curl -fsS \"$url\" | gpg --batch --quiet --passphrase-file $BENCH_DIR/bigpf -d | tar -xf - -C $out'"
  -n 'vsync run -- true (token)' "env VSYNC_CONFIG=$bigtoken VSYNC_PASSPHRASE=$bigpass $VSYNC run -- true"
  -n 'vsync pull --force (profile)' "sh -c 'cd $pulldir && $VSYNC pull $env --force >/dev/null'"
)
[ -z "$OLD" ] || cmds+=(-n "old vsync run -- true (token)" "env VSYNC_CONFIG=$bigtoken VSYNC_PASSPHRASE=$bigpass $OLD run -- true"
  -n 'old vsync pull --force (profile)' "sh -c 'cd $pulldir && $OLD pull $env --force >/dev/null'")
hyperfine -N --warmup 1 --runs "${BENCH_RUNS:-10}" --export-json "$BENCH_DIR/bulk.json" "${cmds[@]}" >/dev/null
medians "$BENCH_DIR/bulk.json"
load

echo "push of the bundle (a changed file each time):"
load
push=(-n 'vsync push' "$VSYNC push $env --note bench")
# With an old build, it pushes the same env beside this one, the pair run
# in both orders (hyperfine runs one command's runs after the other's).
[ -z "$OLD" ] || push+=(-n "old vsync push ($BENCH_OLD)" "$OLD push $env --note bench")
for order in 1 2; do
  hyperfine -N --runs "${BENCH_RUNS:-10}" --export-json "$BENCH_DIR/push.json" \
    --prepare "sh -c 'date +%s%N >infra/vault/$env/stamp'" "${push[@]}" >/dev/null
  medians "$BENCH_DIR/push.json"
  load
  [ -n "$OLD" ] || break
  push=("${push[@]:3:3}" "${push[@]:0:3}")
done

echo "peak RSS (target 1.3 x bundle + 16 MB = $(( (size * 13 / 10 + 16000000) / 1000000 )) MB):"
peak() {
  /usr/bin/time -f '%M' -o "$BENCH_DIR/rss" "$@" >/dev/null 2>"$BENCH_DIR/err" || { cat "$BENCH_DIR/err" >&2; return 1; }
  printf '%s\n' "$(( $(cat "$BENCH_DIR/rss") * 1024 / 1000000 ))"
}
date +%s%N >"infra/vault/$env/stamp"
printf '  %-8s %s MB\n' push "$(peak "$VSYNC" push "$env" --note rss)"
if [ -n "$OLD" ]; then
  date +%s%N >"infra/vault/$env/stamp"
  printf '  %-8s %s MB\n' "old push" "$(peak "$OLD" push "$env" --note rss)"
  date +%s%N >"infra/vault/$env/stamp"
  printf '  %-8s %s MB\n' push "$(peak "$VSYNC" push "$env" --note rss)"
fi
printf '  %-8s %s MB\n' verify "$(peak "$VSYNC" verify "$env")"
(cd "$pulldir" && rm -rf "infra/vault/$env" && printf '  %-8s %s MB\n' pull "$(peak "$VSYNC" pull "$env")")
printf '  %-8s %s MB\n' run "$(VSYNC_CONFIG=$bigtoken VSYNC_PASSPHRASE=$bigpass peak "$VSYNC" run -- true)"
load
