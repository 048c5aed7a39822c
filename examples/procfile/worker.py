"""The worker process: a loop that does a unit of work every
$WORKER_INTERVAL seconds. SIGTERM asks it to stop: it finishes the unit in
hand (up to $WORKER_GRACE seconds, default 1), counting every SIGTERM it
receives meanwhile, writes the count to $WORKER_SIGTERM_FILE (default
worker-sigterms.txt) and exits 0. A supervisor that sends one SIGTERM per
process leaves 1 there; Foreman does.
"""
import os
import signal
import sys
import time

interval = float(os.environ.get("WORKER_INTERVAL", "1"))
grace = float(os.environ.get("WORKER_GRACE", "1"))
count_file = os.environ.get("WORKER_SIGTERM_FILE", "worker-sigterms.txt")

sigterms = 0
stop_at = None


def on_sigterm(signum, frame):
    global sigterms, stop_at
    sigterms += 1
    if stop_at is None:
        stop_at = time.monotonic() + grace


signal.signal(signal.SIGTERM, on_sigterm)
print(f"worker: ready (pid {os.getpid()}, {os.environ.get('PS', '?')})", flush=True)

units = 0
next_unit = time.monotonic()
while stop_at is None or time.monotonic() < stop_at:
    if stop_at is None and time.monotonic() >= next_unit:
        units += 1  # a unit of work
        next_unit += interval
    time.sleep(0.05)

with open(count_file + ".tmp", "w") as f:
    f.write(f"{sigterms}\n")
os.replace(count_file + ".tmp", count_file)
print(f"worker: stopped after {units} units, {sigterms} SIGTERM(s) received", flush=True)
sys.exit(0)
