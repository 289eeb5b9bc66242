from django.db import models


class SignInFailure(models.Model):
    """One failed sign-in. Counting recent rows per (username, ip) is the rate limit; the rows
    live in the database so every web process sees the same count."""

    username = models.CharField(max_length=150)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["username", "ip", "at"], name="signin_failure_lookup")]
