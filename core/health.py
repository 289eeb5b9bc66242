"""`GET /healthz`: 200 "ok" when this web process can run a query, else 503 (the unavailable
middleware's answer). Anonymous and cheap, for load balancers and Docker's health check."""

from django.db import connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
