"""The changes people make to a case from its page. The "cases" URL namespace also holds the
queue and the case page (web.urls) and the evidence routes (evidence.urls): config/urls.py puts
them together under /cases/."""

from django.urls import path

from . import views

urlpatterns = [
    path("<str:number>/transition", views.case_transition_view, name="transition"),
    path("<str:number>/comments", views.case_comment_view, name="comment"),
    path("<str:number>/assign", views.case_assign_view, name="assign"),
    path("<str:number>/tags", views.case_tags_view, name="tags"),
    path("<str:number>/members", views.case_member_view, name="members"),
    path("<str:number>/restrict", views.case_restrict_view, name="restrict"),
]
