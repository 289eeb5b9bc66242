"""Small helpers about the request itself."""


def client_ip(request) -> str | None:
    """The peer's address as the server saw it (custody records name where a download went)."""
    return request.META.get("REMOTE_ADDR") or None
