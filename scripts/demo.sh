#!/usr/bin/env bash
# A tour of vsync on the local-directory backend: no S3, no network.
# Builds vsync, makes a throwaway vault directory and two checkouts of a
# project, then init, push, pull, log, diff, use and verify.
# Usage: bash scripts/demo.sh   (everything happens in a temp dir, removed at exit)
set -euo pipefail
cd "$(dirname "$0")/.."

DEMO=$(mktemp -d "${TMPDIR:-/tmp}/vsync-demo.XXXXXX")
trap 'rm -rf "$DEMO"' EXIT
# A private config dir and identity, so the demo touches nothing of yours.
export XDG_CONFIG_HOME=$DEMO/config HOME=$DEMO/home VSYNC_AUTHOR=alice@example.com
unset VSYNC_PASSPHRASE VSYNC_PASSPHRASE_FILE
mkdir -p "$HOME"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
vsync() { step "vsync $*"; "$DEMO/vsync" "$@"; }

step "go build -o $DEMO/vsync ."
go build -o "$DEMO/vsync" .

mkdir -p "$DEMO/vaults" "$DEMO/app"
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
set +e; "$DEMO/vsync" push prod --note again; code=$?; set -e
echo "exit code $code"
