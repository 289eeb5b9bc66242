"""Everything under /api/v1/."""

from django.urls import path

from cases import api as cases_api
from exports import api as exports_api

urlpatterns = [
    path("cases", cases_api.CaseList.as_view(), name="api-cases"),
    path("cases/<str:number>", cases_api.case_detail, name="api-case-detail"),
    path("cases/<str:number>/events", cases_api.case_events, name="api-case-events"),
    path(
        "cases/<str:number>/transitions", cases_api.case_transition_api, name="api-case-transition"
    ),
    path("cases/<str:number>/exports", exports_api.case_exports, name="api-case-exports"),
    path(
        "cases/<str:number>/exports/<int:pk>",
        exports_api.case_export_detail,
        name="api-case-export-detail",
    ),
    path(
        "cases/<str:number>/exports/<int:pk>/download",
        exports_api.case_export_download,
        name="api-case-export-download",
    ),
]
