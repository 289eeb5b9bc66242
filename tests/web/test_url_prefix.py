"""Tables write their rows' links as a prefix plus the key (core.http.url_prefix): each must be
the address reverse() gives for that row."""

import pytest
from django.urls import reverse

from core.http import url_prefix


@pytest.mark.parametrize(
    ("name", "args", "tail"),
    [
        ("accounts:detail", [], "/"),
        ("accounts:cluster", [], "/"),
        ("cases:signal", ["QRY-2026-00042"], ""),
    ],
)
def test_prefix_plus_key_is_the_rows_address(name, args, tail):
    for pk in (1, 10, 12345):
        assert url_prefix(name, *args) + f"{pk}{tail}" == reverse(name, args=[*args, pk])
