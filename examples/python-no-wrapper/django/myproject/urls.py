from django.urls import path
from app.views import healthz

urlpatterns = [
    path("healthz", healthz),
    # ... your routes ...
]
