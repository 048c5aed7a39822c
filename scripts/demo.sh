#!/usr/bin/env bash
# A tour of vsync on the local-directory backend: no S3, no network.
# Makes a throwaway vault directory and two checkouts of a project, then
# init, push, pull, log, diff, use and verify.
#
# Usage: bash scripts/demo.sh [VSYNC-BINARY]
#   With no argument (and no $VSYNC) it builds vsync once with your own Go
#   settings and caches (seconds once the module cache is warm; no network
#   then), into the temp dir. Any user can run it; everything happens in one
#   temp dir under $TMPDIR, removed at exit.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

DEMO=$(mktemp -d "${TMPDIR:-/tmp}/vsync-demo.XXXXXX")
trap 'rm -rf "$DEMO"' EXIT

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
  step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
else
  step() { printf '\n$ %s\n' "$*"; }
fi

bin=${1:-${VSYNC:-}}
if [ -z "$bin" ]; then
  step "go build -o $DEMO/vsync ."
  (cd "$repo" && go build -o "$DEMO/vsync" .)
  bin=$DEMO/vsync
fi
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac

# A private config dir and identity, so the demo touches nothing of yours
# (HOME is left alone: the go command above keeps your settings).
export XDG_CONFIG_HOME=$DEMO/config VSYNC_AUTHOR=alice@example.com
unset VSYNC_PASSPHRASE VSYNC_PASSPHRASE_FILE VSYNC_CONFIG VSYNC_CONFIG_FILE
vsync() { step "vsync $*"; "$bin" "$@"; }

mkdir -p "$DEMO/app"
vsync profile add local --dir "$DEMO/vaults"
cd "$DEMO/app"
vsync init prod --profile local --prefix demo

step "edit infra/vault/prod/.env.prod and add a file"
cat > infra/vault/prod/.env.prod <<'ENV'
DATABASE_URL=postgres://app:first-password@db/app
DEBUG=false
ENV
printf '{"type": "service_account"}\n' > infra/vault/prod/gcp-sa.json
vsync push prod --note "first secrets"

step "rotate the database password, add a key"
cat > infra/vault/prod/.env.prod <<'ENV'
DATABASE_URL=postgres://app:second-password@db/app
DEBUG=false
SENTRY_DSN=https://key@sentry.example/1
ENV
vsync diff prod
VSYNC_AUTHOR=bob@example.com vsync push prod --note "rotate the database password"

step "a teammate's checkout: same vsync.toml (committed), same user here"
mkdir "$DEMO/app2" && cp vsync.toml "$DEMO/app2/" && cd "$DEMO/app2"
vsync pull prod
vsync log prod
vsync diff prod 1 2
vsync use prod
step "ls -l .env"; ls -l .env | sed 's/.* \.env/.env/'
vsync verify prod

step "find $DEMO/vaults -name '*.pgp'"
(cd "$DEMO/vaults" && find . -name '*.pgp' | sort)

step "vsync push prod --note again   (nothing changed: exit 74)"
set +e; "$bin" push prod --note again; code=$?; set -e
echo "exit code $code"
