from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import urls as accounts_urls
from cases import urls as cases_urls
from core import views as core_views
from evidence import urls as evidence_urls
from web import urls as web_urls

# A namespace is one list: the pages of web and the routes of the apps they show share the
# names and addresses they always had ("cases:detail", "accounts:detail", ...).
cases_namespace = web_urls.case_pages + cases_urls.urlpatterns + evidence_urls.urlpatterns
accounts_namespace = web_urls.account_pages + accounts_urls.urlpatterns

urlpatterns = [
    *web_urls.dashboard,
    path("login/", core_views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(success_url="/password/done/"),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("cases/", include((cases_namespace, "cases"))),
    path("", include("exports.urls")),
    path("", include((accounts_namespace, "accounts"))),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico on responses that name no icon (JSON, files).
    path("favicon.ico", RedirectView.as_view(url=static("quarry/favicon.svg"), permanent=True)),
]

# Branded pages for people, JSON under /api/ (the security notes' "API errors stay JSON").
handler403 = "core.errorpages.permission_denied"
handler404 = "core.errorpages.page_not_found"
handler500 = "core.errorpages.server_error"
