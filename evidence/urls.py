"""Evidence of a case, under the case's address (in the "cases" URL namespace: see
config/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<str:number>/evidence", views.evidence_upload, name="evidence_upload"),
    path(
        "<str:number>/evidence/<int:pk>/download",
        views.evidence_download,
        name="evidence_download",
    ),
    path(
        "<str:number>/evidence/<int:pk>/preview",
        views.evidence_preview,
        name="evidence_preview",
    ),
    path(
        "<str:number>/evidence/<int:pk>/image",
        views.evidence_image,
        name="evidence_image",
    ),
]
