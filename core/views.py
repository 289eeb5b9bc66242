from django.contrib.auth import views as auth_views

from .signin import signin_failure_record, signin_failures_clear, signin_is_throttled


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class SignInView(auth_views.LoginView):
    """Django's sign-in, refusing with 429 once a username has failed too often from one
    address."""

    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        if signin_is_throttled(username=username, ip=_ip(request)):
            context = self.get_context_data(form=self.get_form(), throttled=True)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        signin_failure_record(username=self.request.POST.get("username", ""), ip=_ip(self.request))
        return super().form_invalid(form)

    def form_valid(self, form):
        signin_failures_clear(username=form.get_user().get_username(), ip=_ip(self.request))
        return super().form_valid(form)
