import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse

from core.report import report

# The longest a slow request waits, in seconds.
SLOW_MAX = 60.0


def settings_report(request):
    """GET /: which settings this worker started with (lengths and short
    hashes, never values), its pid and VSYNC_GENERATION."""
    return JsonResponse(report())


def healthz(request):
    """GET /healthz: `vsync status --json` of the `vsync run` that started
    the app (it answers on $VSYNC_STATUS_SOCKET; the app never holds the
    token). 200 when fresh or unknown (the bucket did not answer: a network
    blip must not restart a fleet), 503 when stale or when vsync cannot
    tell, as vsync status's exit code says."""
    try:
        p = subprocess.run(["vsync", "status", "--json"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as e:
        return JsonResponse({"status": "error", "error": type(e).__name__}, status=503)
    if p.returncode not in (0, 1):
        # vsync's own error line names no secret; keep it in the log.
        sys.stderr.write(p.stderr.decode(errors="replace"))
        return JsonResponse({"status": "error", "exit_code": p.returncode}, status=503)
    body = json.loads(p.stdout)
    return JsonResponse(body, status=200 if p.returncode == 0 else 503)


_GATE = re.compile(r"[a-z0-9-]{1,32}")


def slow(request):
    """GET /slow?seconds=N sleeps N seconds (at most 60); GET /slow?gate=G
    creates $EXAMPLE_GATE_DIR/G.started and waits (at most 60 s) until
    $EXAMPLE_GATE_DIR/G.release exists. A request in flight, to watch what a
    reload or a stop does to it. It answers with the report of the worker
    that served it."""
    gate = request.GET.get("gate")
    if gate is None:
        try:
            seconds = min(float(request.GET.get("seconds", "1")), SLOW_MAX)
        except ValueError:
            return HttpResponseBadRequest("seconds: not a number\n")
        time.sleep(seconds)
        return JsonResponse(report())
    if not settings.EXAMPLE_GATE_DIR or not _GATE.fullmatch(gate):
        return HttpResponseBadRequest("gate: needs EXAMPLE_GATE_DIR and a name [a-z0-9-]\n")
    d = Path(settings.EXAMPLE_GATE_DIR)
    (d / f"{gate}.started").write_text(f"{os.getpid()}\n")
    release = d / f"{gate}.release"
    deadline = time.monotonic() + SLOW_MAX
    while not release.exists():
        if time.monotonic() > deadline:
            return JsonResponse({"error": "gate not released"}, status=504)
        time.sleep(0.02)
    return JsonResponse(report())
