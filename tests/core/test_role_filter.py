"""The `holds` template filter shows an action to the roles core.roles names for it."""

import pytest
from django.template import Context, Template, TemplateSyntaxError

from tests.factories import UserFactory


def _render(user, role_set: str) -> str:
    template = Template('{% load roles %}{% if user|holds:"' + role_set + '" %}yes{% endif %}')
    return template.render(Context({"user": user}))


def test_a_role_set_shows_to_its_holders_only(lena, larry, alice):
    assert [_render(u, "EXPORT_ROLES") for u in (lena, larry, alice)] == ["yes", "yes", ""]
    assert [_render(u, "LEGAL_ONLY") for u in (lena, larry, alice)] == ["", "yes", ""]


def test_someone_with_no_role_sees_nothing(db):
    assert _render(UserFactory(username="rolf"), "STAFF_ROLES") == ""


def test_an_unknown_role_set_is_an_error_not_a_silent_no(lena):
    with pytest.raises(TemplateSyntaxError, match="no role set 'EXPORTERS'"):
        _render(lena, "EXPORTERS")
