"""Small helpers about the request itself, and about addresses."""

from django.urls import reverse


def client_ip(request) -> str | None:
    """The peer's address as the server saw it (custody records name where a download went)."""
    return request.META.get("REMOTE_ADDR") or None


def url_prefix(viewname: str, *args) -> str:
    """The address of a view whose last argument is an integer key, without the key (and the
    slash after it, if the address has one): a table of rows writes `prefix + pk` (+ "/") for
    each row, one reverse() for the page rather than one per row (a few hundred reverses were
    a tenth of a page's time)."""
    url = reverse(viewname, args=[*args, 0])
    return url.removesuffix("0/") if url.endswith("0/") else url.removesuffix("0")
