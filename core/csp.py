"""Content Security Policy: pages may load scripts, styles, images and connections from Quarry
itself only. No inline script, no inline style, no plugin, no framing.

Django 5.2 has no CSP support of its own, hence this middleware. A view may set its own header
(the evidence image view sends a stricter sandboxing one); the middleware leaves that alone.
"""

from django.conf import settings

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)

# Swagger UI's page (drf-spectacular's split view, whose start-up script is a file) carries one
# inline <style> block. It may use inline styles on its own address only; scripts stay Quarry's.
SWAGGER_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.swagger_paths = tuple(getattr(settings, "QUARRY_CSP_RELAXED_PATHS", ("/api/docs/",)))

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            relaxed = request.path in self.swagger_paths
            response["Content-Security-Policy"] = SWAGGER_POLICY if relaxed else POLICY
        return response
