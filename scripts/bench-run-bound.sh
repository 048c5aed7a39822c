#!/usr/bin/env bash
# How close can `vsync run -- true` get to the do-it-yourself pipeline of
# issue 14 item 4 (mktemp, gpg -d | tar -x, source the dotenv, exec true)?
# An upper bound on what cutting vsync's own work could gain: beside the
# release build, a build with scripts/bench-run-bound.patch applied, which
# drops two of run's guarantees (the forwarded signals are not subscribed,
# so a signal before or while the child runs kills vsync or is lost; no
# watchdog, so a SIGKILLed vsync leaves the child's group and the private
# files behind) and is never to be shipped. Both run in one hyperfine run
# with the pipeline and the floors under vsync's figure: `vsync --version`
# (this binary's start and exit, no work), an empty Go program, one that
# links only the AWS SDK's config and S3 client (their initialisers), and
# `true`; 20 KB vault, runtime token, MinIO on loopback.
# Usage: bash scripts/bench-run-bound.sh   (needs minio, hyperfine, gpg, awscli)
cd "$(dirname "$0")/.."
. scripts/lib-bench.sh
need minio hyperfine gpg aws curl python3
build_vsync
mkdir -p "$BENCH_DIR/bound"
git archive HEAD | tar -x -C "$BENCH_DIR/bound"
(cd "$BENCH_DIR/bound" && patch -s -p1 <"$REPO/scripts/bench-run-bound.patch" &&
  CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -tags urfave_cli_no_docs -o "$BENCH_DIR/vsync-bound" .)
# The design's S3 dependency alone: an empty program that links the AWS
# SDK's config (the credential chain of profiles: SSO, STS, sign-in) and
# S3 client, so their package initialisers run and nothing else.
mkdir -p "$BENCH_DIR/sdkonly"
sed 's/^module vsync$/module sdkonly/' go.mod >"$BENCH_DIR/sdkonly/go.mod"
cp go.sum "$BENCH_DIR/sdkonly/"
printf 'package main\n\nimport (\n\t_ "github.com/aws/aws-sdk-go-v2/config"\n\t_ "github.com/aws/aws-sdk-go-v2/service/s3"\n)\n\nfunc main() {}\n' >"$BENCH_DIR/sdkonly/main.go"
mkdir -p "$BENCH_DIR/empty" && printf 'module empty\n\ngo 1.26\n' >"$BENCH_DIR/empty/go.mod"
printf 'package main\n\nfunc main() {}\n' >"$BENCH_DIR/empty/main.go"
(cd "$BENCH_DIR/sdkonly" && CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags="-s -w" -o "$BENCH_DIR/sdk-only" .)
(cd "$BENCH_DIR/empty" && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$BENCH_DIR/empty-go" .)
start_minio
bench_project
run_dir=$BENCH_DIR/run && mkdir -p "$run_dir/diy"
aws --endpoint-url "$MINIO_ENDPOINT" s3 cp s3://bench/bench/prod/current.pgp "$run_dir/current.pgp" >/dev/null
printf '%s\n' "$pass" >"$run_dir/pf"
cd "$run_dir"
export VSYNC_CONFIG=$token VSYNC_PASSPHRASE=$pass
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine -N --warmup 5 --runs 200 --export-json "$BENCH_DIR/bound.json" \
  -n 'vsync run -- true' "$VSYNC run -- true" \
  -n 'vsync run -- true, no signal subscription, no watchdog (unsafe)' "$BENCH_DIR/vsync-bound run -- true" \
  -n 'do-it-yourself: mktemp, gpg -d | tar -x, source, exec true' "sh -c 'd=\$(mktemp -d -p diy); gpg --batch --quiet --passphrase-file pf -d current.pgp | tar -xf - -C \$d; cd \$d; set -a; . ./.env.prod; exec true'" \
  -n 'vsync --version (start and exit, no work)' "$VSYNC --version" \
  -n 'empty static Go program' "$BENCH_DIR/empty-go" \
  -n 'empty Go program linking the AWS SDK config and S3 client' "$BENCH_DIR/sdk-only" \
  -n 'true' true \
  >/dev/null
medians "$BENCH_DIR/bound.json"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
