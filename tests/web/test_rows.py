"""The queue's rows are rendered by Jinja2 through the `rows` tag (web/templatetags/quarry.py),
escaped by Django's own conditional_escape: the same HTML the Django engine gives for the same
values, suspects' titles and tags included."""

import jinja2
import pytest
from django.template import engines
from django.utils.safestring import mark_safe

from tests.factories import make_case
from web.templatetags.quarry import rows

from .conftest import XSS

pytestmark = pytest.mark.django_db

HOSTILE_TITLE = XSS + ' O\'Brien & "partners"'
HOSTILE_TAGS = ['"><script>alert(1)</script>', "a&b", "it's"]


def test_every_value_is_escaped_as_the_django_engine_escapes_it(lena):
    case = make_case(created_by=lena, title=HOSTILE_TITLE, tags=HOSTILE_TAGS)
    html = rows("cases/queue_rows.jinja", cases=[case], case_url="/cases/")
    django = engines["django"].from_string("{{ title }}|{% for t in tags %}{{ t }},{% endfor %}")
    title, tags = django.render({"title": case.title, "tags": case.tags}).split("|")
    assert f'<td data-label="Title">{title}<div>' in html
    for tag in tags.rstrip(",").split(","):
        assert f'<span class="badge tag">{tag}</span>' in html
    assert "<script>" not in html and "<img" not in html
    assert "O&#x27;Brien &amp; &quot;partners&quot;" in html  # Django's entities, not markupsafe's


def test_what_is_already_safe_is_not_escaped_twice(lena):
    case = make_case(created_by=lena)
    html = rows("cases/queue_rows.jinja", cases=[case], case_url=mark_safe("/a&amp;b/"))
    assert f'href="/a&amp;b/{case.number}/"' in html
    html = rows("cases/queue_rows.jinja", cases=[case], case_url="/a&b/")
    assert f'href="/a&amp;b/{case.number}/"' in html
    assert "No cases match" in rows("cases/queue_rows.jinja", cases=[], case_url="/")


def test_a_misspelt_name_fails_loudly_instead_of_rendering_nothing():
    with pytest.raises(jinja2.UndefinedError):
        rows("cases/queue_rows.jinja", cases=[object()], case_url="/cases/")
