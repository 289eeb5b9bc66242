"""Everything under /api/v1/."""

from django.urls import path

from cases import api as cases_api
from detection import api as detection_api

urlpatterns = [
    path("cases", cases_api.CaseList.as_view(), name="api-cases"),
    path("cases/<str:number>", cases_api.case_detail, name="api-case-detail"),
    path("cases/<str:number>/events", cases_api.case_events, name="api-case-events"),
    path(
        "cases/<str:number>/transitions", cases_api.case_transition_api, name="api-case-transition"
    ),
    path("signals", detection_api.SignalIngest.as_view(), name="api-signals"),
    path(
        "ocsf/detection-findings",
        detection_api.OcsfDetectionFindingIngest.as_view(),
        name="api-ocsf-detection-findings",
    ),
    path("detectors/me", detection_api.DetectorMe.as_view(), name="api-detector-me"),
]
