from django.contrib.auth import views as auth_views


class SignInView(auth_views.LoginView):
    """Django's sign-in. Failures are counted, and refused past the limit, by django-axes in
    the authentication backends (core/signin.py)."""

    redirect_authenticated_user = True
