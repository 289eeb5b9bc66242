"""The changes people make to a case from its page. The "cases" URL namespace also holds the
queue and the case page (web.urls) and the evidence routes (evidence.urls): config/urls.py puts
them together under /cases/."""

from django.urls import path

from . import lifecycle_views, views

urlpatterns = [
    path("<str:number>/transition", views.case_transition_view, name="transition"),
    path("<str:number>/comments", views.case_comment_view, name="comment"),
    path("<str:number>/assign", views.case_assign_view, name="assign"),
    path("<str:number>/tags", views.case_tags_view, name="tags"),
    path("<str:number>/members", views.case_member_view, name="members"),
    path("<str:number>/restrict", views.case_restrict_view, name="restrict"),
    path("<str:number>/edit", lifecycle_views.case_edit_view, name="edit"),
    path("<str:number>/take", lifecycle_views.case_take_view, name="take"),
    path("<str:number>/tasks", lifecycle_views.case_task_add_view, name="task_add"),
    path("<str:number>/tasks/<int:pk>", lifecycle_views.case_task_edit_view, name="task_edit"),
    path("<str:number>/merge", lifecycle_views.case_merge_view, name="merge"),
    path("<str:number>/pending", lifecycle_views.case_pending_view, name="pending"),
    path(
        "<str:number>/comments/<int:pk>", lifecycle_views.case_note_edit_view, name="comment_edit"
    ),
]
