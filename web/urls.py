"""The pages of web.views, each in the URL namespace it always had (config/urls.py mounts
them)."""

from django.urls import path

from . import case_new, signal_detail, views

dashboard = [path("", views.home, name="dashboard")]
# Under /cases/, in the "cases" namespace.
case_pages = [
    path("", views.queue, name="queue"),
    # Before "<str:number>/": "new" is not a case number.
    path("new/", case_new.case_new, name="new"),
    path("<str:number>/", views.case_detail, name="detail"),
    path("<str:number>/signals/<int:pk>", signal_detail.case_signal, name="signal"),
]
# In the "accounts" namespace.
account_pages = [
    path("accounts/<int:pk>/", views.account_detail, name="detail"),
    path("accounts/clusters/<int:pk>/", views.cluster_detail, name="cluster"),
]
