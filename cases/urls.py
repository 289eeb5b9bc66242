from django.urls import path

from evidence import views as evidence_views

from . import lifecycle_views, signal_views, views

app_name = "cases"
urlpatterns = [
    path("", views.queue, name="queue"),
    # Before "<str:number>/": "new" is not a case number.
    path("new/", lifecycle_views.case_new, name="new"),
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
    path("<str:number>/edit", lifecycle_views.case_edit_view, name="edit"),
    path("<str:number>/take", lifecycle_views.case_take_view, name="take"),
    path("<str:number>/tasks", lifecycle_views.case_task_add_view, name="task_add"),
    path("<str:number>/tasks/<int:pk>", lifecycle_views.case_task_edit_view, name="task_edit"),
    path("<str:number>/merge", lifecycle_views.case_merge_view, name="merge"),
    path("<str:number>/pending", lifecycle_views.case_pending_view, name="pending"),
    path(
        "<str:number>/comments/<int:pk>", lifecycle_views.case_note_edit_view, name="comment_edit"
    ),
    path("<str:number>/signals/<int:pk>", signal_views.case_signal, name="signal"),
]
