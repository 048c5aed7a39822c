#!/usr/bin/env bash
# Benchmark of vsync rotate-passphrase against MinIO on loopback (issue #5):
#   an env of 50 generations of 20 KB with a generated passphrase (salted
#   S2K) and one with a chosen passphrase (iterated S2K, 16,777,216 bytes),
#   and an env of 5 generations of 20 MB; each run rotates every object and
#   pushes the record, so each later run has one generation more (hyperfine).
#   Then the rewrap itself, without I/O (go test -bench).
# Usage: bash scripts/bench-rotate.sh   (needs minio, hyperfine, awscli)
cd "$(dirname "$0")/.."
. scripts/lib-bench.sh
need minio hyperfine aws curl python3
build_vsync
start_minio

bench_profile_project
"$VSYNC" init gen --profile bench --prefix bench >/dev/null
VSYNC_PASSPHRASE="a passphrase a person chose, long" "$VSYNC" init human --profile bench --prefix bench >/dev/null
"$VSYNC" init big --profile bench --prefix bench >/dev/null
make_env infra/vault/gen 50 8 8          # ~20 KB
make_env infra/vault/human 50 8 8
make_env infra/vault/big 50 10240 10240  # ~20 MB
push_n() { # ENV N
  for i in $(seq 1 "$2"); do
    echo "BUMP=$i" >>"infra/vault/$1/.env.$1"
    "$VSYNC" push "$1" --note "bench $i" >/dev/null
  done
}
push_n gen 50
push_n human 50
push_n big 5

echo "== rotate 50 generations + current.pgp, 20 KB each, generated passphrases"
hyperfine -N --runs 5 -n 'rotate 51 x 20 KB, salted S2K' "$VSYNC rotate-passphrase --env gen" \
  --export-json "$BENCH_DIR/rot-gen.json" >/dev/null
medians "$BENCH_DIR/rot-gen.json"

echo "== rotate 50 generations + current.pgp, 20 KB each, chosen passphrases (iterated S2K)"
hyperfine --shell=bash --runs 5 -n 'rotate 51 x 20 KB, iterated S2K' \
  "$VSYNC rotate-passphrase --env human --new-passphrase \"chosen passphrase \$RANDOM-\$RANDOM-\$RANDOM\"" \
  --export-json "$BENCH_DIR/rot-human.json" >/dev/null
medians "$BENCH_DIR/rot-human.json"

echo "== rotate 5 generations + current.pgp, 20 MB each, generated passphrases"
hyperfine -N --runs 3 -n 'rotate 6 x 20 MB, salted S2K' "$VSYNC rotate-passphrase --env big" \
  --export-json "$BENCH_DIR/rot-big.json" >/dev/null
medians "$BENCH_DIR/rot-big.json"

"$VSYNC" verify gen | tail -1
"$VSYNC" verify human | tail -1
"$VSYNC" verify big | tail -1

echo "== rewrap without I/O (go test -bench)"
cd "$REPO"
go test -run '^$' -bench 'Rewrap' -benchmem ./vault | grep -E '^Benchmark'
