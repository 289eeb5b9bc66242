from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.views import defaults


class SignInView(auth_views.LoginView):
    """Django's sign-in. Failures are counted, and refused past the limit, by django-axes in
    the authentication backends (core/signin.py)."""

    redirect_authenticated_user = True


def not_found(request, exception):
    """API clients get the API's 404 body, also for URLs no API view matched."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
