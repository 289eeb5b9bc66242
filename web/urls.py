"""The pages of web.views, each in the URL namespace it always had (config/urls.py mounts
them)."""

from django.urls import path

from . import views

dashboard = [path("", views.home, name="dashboard")]
# Under /cases/, in the "cases" namespace.
case_pages = [
    path("", views.queue, name="queue"),
    path("<str:number>/", views.case_detail, name="detail"),
]
# In the "accounts" namespace.
account_pages = [
    path("accounts/<int:pk>/", views.account_detail, name="detail"),
    path("accounts/clusters/<int:pk>/", views.cluster_detail, name="cluster"),
]
