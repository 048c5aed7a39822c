# The seed's /healthz view. One change: the seed reads settings._v, but
# django.conf.settings copies only the upper-case names of the settings
# module, so that attribute does not exist in any Django version; the view
# takes the handle from the settings module itself (already imported by
# Django, so no second open()).
from django.http import JsonResponse
from myproject import settings
from vsync_s3_client import S3UnreachableError, ManifestNotFoundError


def healthz(request):
    v = settings._v
    try:
        if v.has_new_version():
            return JsonResponse({
                "status": "stale",
                "local_gen": v.generation(),
                "remote_gen": v.remote_generation(),
            })
        return JsonResponse({"status": "fresh", "gen": v.generation()})
    except (S3UnreachableError, ManifestNotFoundError):
        # Transient — don't trigger a Vercel redeploy via healthcheck failure
        return JsonResponse({"status": "unknown", "gen": v.generation()})
