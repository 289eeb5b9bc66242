from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.http import require_GET

from . import dashboard


class SignInView(auth_views.LoginView):
    """Django's sign-in. Failures are counted, and refused past the limit, by django-axes in
    the authentication backends (core/signin.py)."""

    redirect_authenticated_user = True


@login_required
@require_GET
def home(request):
    user = request.user
    context = {
        "by_state": dashboard.open_by_state(user),
        "breaches": dashboard.sla_breaches(user),
        "signal_chart": dashboard.signals_per_day(),
        "signal_days": dashboard.SIGNAL_DAYS,
        "detectors": dashboard.detector_health(),
        "clusters": dashboard.largest_clusters(user),
    }
    return render(request, "core/dashboard.html", context)


def not_found(request, exception):
    """API clients get the API's 404 body, also for URLs no API view matched."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
