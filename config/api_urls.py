"""Everything under /api/v1/."""

from django.urls import path

from accounts import api as accounts_api
from accounts import intake_api as accounts_intake_api
from cases import api as cases_api
from cases import lifecycle_api
from detection import api as detection_api
from exports import api as exports_api
from web import signal_detail

# What a detector's token may call: served by the web service and by the ingestion service
# (config/urls_ingest.py) alike.
detector_urlpatterns = [
    path("signals", detection_api.SignalIngest.as_view(), name="api-signals"),
    path(
        "ocsf/detection-findings",
        detection_api.OcsfDetectionFindingIngest.as_view(),
        name="api-ocsf-detection-findings",
    ),
    path("detectors/me", detection_api.DetectorMe.as_view(), name="api-detector-me"),
]

urlpatterns = [
    path("cases", accounts_intake_api.CaseListCreate.as_view(), name="api-cases"),
    path("cases/<str:number>", lifecycle_api.case_detail, name="api-case-detail"),
    path("cases/<str:number>/take", lifecycle_api.case_take_api, name="api-case-take"),
    path("cases/<str:number>/tasks", lifecycle_api.case_tasks_api, name="api-case-tasks"),
    path("cases/<str:number>/tasks/<int:pk>", lifecycle_api.case_task_api, name="api-case-task"),
    path("cases/<str:number>/merge", lifecycle_api.case_merge_api, name="api-case-merge"),
    path("cases/<str:number>/pending", lifecycle_api.case_pending_api, name="api-case-pending"),
    path("cases/<str:number>/notes", lifecycle_api.case_notes_api, name="api-case-notes"),
    path("cases/<str:number>/notes/<int:pk>", lifecycle_api.case_note_api, name="api-case-note"),
    path(
        "cases/<str:number>/signals/<int:pk>",
        signal_detail.case_signal_api,
        name="api-case-signal",
    ),
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
    path("accounts/<int:pk>", accounts_api.account_detail, name="api-account-detail"),
    path("clusters/recompute", accounts_api.cluster_recompute, name="api-cluster-recompute"),
    path(
        "clusters/recompute/<int:pk>",
        accounts_api.cluster_recompute_status,
        name="api-cluster-recompute-status",
    ),
    path("clusters/<int:pk>", accounts_api.cluster_detail, name="api-cluster-detail"),
    path(
        "cases/<str:number>/accounts",
        accounts_api.CaseAccountList.as_view(),
        name="api-case-accounts",
    ),
    path(
        "cases/<str:number>/accounts/enforcement",
        accounts_api.case_accounts_enforcement,
        name="api-case-accounts-enforcement",
    ),
    path("cases/<str:number>/graph", accounts_api.case_graph, name="api-case-graph"),
    path("cases/<str:number>/similar", accounts_api.case_similar, name="api-case-similar"),
    *detector_urlpatterns,
]
