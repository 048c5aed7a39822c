#!/usr/bin/env bash
# Cold-start benchmark of vsync_s3_client (issue #13), side by side in one
# hyperfine run, each a fresh /usr/bin/python3 process:
#   python3 -c pass                          the interpreter alone
#   python3 -c 'import vsync_s3_client'      the import
#   python3 -c '...open()'                   import + open(): one signed GET
#                                            against MinIO on loopback of a
#                                            20 KB vault (50 variables, two
#                                            8 KB files), generated passphrase
#                                            (salted S2K), decrypt, MDC, tar and
#                                            manifest checks, dotenv
#   the same open() of a vault whose passphrase a person chose (iterated
#                                            S2K, 16,777,216 bytes of SHA-256)
#   vsync run -- python3 -c pass             the wrapper doing the same for an
#                                            unmodified interpreter
# The target (issue #13): open() adds < 30 ms to python3 -c pass (the
# seeds quote 150-500 ms for theirs).
# Usage: bash scripts/bench-python.sh   (needs minio, hyperfine, awscli,
# /usr/bin/python3 with python3-cryptography)
# BENCH_RT=1 runs MinIO and the timed commands at real-time priority
# (SCHED_FIFO 10, root only), as scripts/bench-run.sh does, so that other
# load on a shared machine does not queue them behind its own processes.
cd "$(dirname "$0")/.."
. scripts/lib-bench.sh
need minio hyperfine aws curl python3
PY=/usr/bin/python3
"$PY" -c 'import cryptography' || { echo "bench: $PY needs python3-cryptography" >&2; exit 1; }
RT=()
if [ -n "${BENCH_RT:-}" ]; then
  need chrt
  RT=(chrt -f 10)
fi
build_vsync
start_minio
[ -z "${BENCH_RT:-}" ] || chrt -f -a -p 10 "$MINIO_PID" >/dev/null

bench_project
case "$pass" in vsp1-*) ;; *) echo "bench: expected a generated passphrase" >&2; exit 1 ;; esac
gen_token=$token gen_pass=$pass
printf 'bundle: %s bytes\n' "$(aws --endpoint-url "$MINIO_ENDPOINT" s3api head-object --bucket bench --key bench/prod/current.pgp --query ContentLength)"

# The same content under a chosen passphrase (env "chosen", default S2K).
chosen_pass="a passphrase a person chose"
VSYNC_PASSPHRASE=$chosen_pass "$VSYNC" init chosen --profile bench --prefix bench >/dev/null
cp infra/vault/prod/file*.bin infra/vault/chosen/
cp infra/vault/prod/.env.prod infra/vault/chosen/.env.chosen
VSYNC_PASSPHRASE=$chosen_pass "$VSYNC" push chosen --note bench >/dev/null
chosen_token=$("$VSYNC" runtime-token --env chosen --access-key "$AWS_ACCESS_KEY_ID" --secret-key "$AWS_SECRET_ACCESS_KEY")

# The runtime environment: the token, the passphrase, the library on
# PYTHONPATH (as an app's own folder would have it), no AWS keys.
export PYTHONPATH=$REPO/python PYTHONDONTWRITEBYTECODE=
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY VSYNC_PASSPHRASE
# Compile the package's .pyc once, as pip install does.
"$PY" -m compileall -q "$REPO/python/vsync_s3_client"
cat >"$BENCH_DIR/open.py" <<'PY'
import vsync_s3_client
v = vsync_s3_client.open()
assert v.get_env("VAR_001") is not None
PY
cat >"$BENCH_DIR/open-chosen.sh" <<SH
#!/bin/sh
VSYNC_CONFIG='$chosen_token' VSYNC_PASSPHRASE='$chosen_pass' exec $PY $BENCH_DIR/open.py
SH
chmod +x "$BENCH_DIR/open-chosen.sh"
cd "$BENCH_DIR"
export VSYNC_CONFIG=$gen_token VSYNC_PASSPHRASE=$gen_pass
"${RT[@]}" hyperfine -N --warmup 10 --runs 100 --export-json "$BENCH_DIR/python.json" \
  -n 'python3 -c pass' "$PY -c pass" \
  -n 'python3 -c "import vsync_s3_client"' "$PY -c 'import vsync_s3_client'" \
  -n 'python3 open.py (open(), generated passphrase)' "$PY $BENCH_DIR/open.py" \
  -n 'python3 open.py (open(), chosen passphrase)' "$BENCH_DIR/open-chosen.sh" \
  -n 'vsync run -- python3 -c pass' "$VSYNC run -- $PY -c pass" \
  >/dev/null
medians "$BENCH_DIR/python.json"
"$PY" - "$BENCH_DIR/python.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] * 1e3 for x in json.load(open(sys.argv[1]))["results"]}
base = r["python3 -c pass"]
for k, v in r.items():
    if k != "python3 -c pass":
        print(f"  {k:<60} adds {v - base:6.2f} ms to python3 -c pass")
PY
echo "  (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
