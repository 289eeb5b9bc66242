from django.urls import path

from evidence import views as evidence_views

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<str:number>/", views.case_detail, name="detail"),
    path("<str:number>/transition", views.case_transition_view, name="transition"),
    path("<str:number>/comments", views.case_comment_view, name="comment"),
    path("<str:number>/evidence", evidence_views.evidence_upload, name="evidence_upload"),
    path(
        "<str:number>/evidence/<int:pk>/download",
        evidence_views.evidence_download,
        name="evidence_download",
    ),
]
