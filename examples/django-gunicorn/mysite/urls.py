from django.urls import path

from core import views

urlpatterns = [
    path("", views.settings_report),
    path("healthz", views.healthz),
    path("slow", views.slow),
]
