from django.urls import path

from evidence import views as evidence_views

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<str:number>/", views.case_detail, name="detail"),
    path("<str:number>/transition", views.case_transition_view, name="transition"),
    path("<str:number>/comments", views.case_comment_view, name="comment"),
    path("<str:number>/assign", views.case_assign_view, name="assign"),
    path("<str:number>/tags", views.case_tags_view, name="tags"),
    path("<str:number>/members", views.case_member_view, name="members"),
    path("<str:number>/restrict", views.case_restrict_view, name="restrict"),
    path("<str:number>/evidence", evidence_views.evidence_upload, name="evidence_upload"),
    path(
        "<str:number>/evidence/<int:pk>/download",
        evidence_views.evidence_download,
        name="evidence_download",
    ),
    path(
        "<str:number>/evidence/<int:pk>/preview",
        evidence_views.evidence_preview,
        name="evidence_preview",
    ),
    path(
        "<str:number>/evidence/<int:pk>/image",
        evidence_views.evidence_image,
        name="evidence_image",
    ),
]
