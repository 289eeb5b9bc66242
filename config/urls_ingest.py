"""The ingestion service's addresses (QUARRY_SERVICE=ingest): only what detectors call, at the
same paths and under the same names as on the web service, which keeps answering them too. Pages,
the rest of the API and the admin are not here: they answer 404. `/healthz` is a middleware's
(core/health.py) and answers on both services."""

from django.urls import include, path

from config.api_urls import detector_urlpatterns

urlpatterns = [
    path("api/v1/", include(detector_urlpatterns)),
]

# Machines only: every error is JSON (the branded pages link to pages this service lacks).
handler403 = "core.errorpages.api_permission_denied"
handler404 = "core.errorpages.api_not_found"
handler500 = "core.errorpages.api_server_error"
