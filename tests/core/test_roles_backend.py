"""The signed-in user is loaded with their roles in one query, and roles are read afresh on
every request: one taken away no longer counts on the next page."""

from django.contrib.auth.models import Group
from django.urls import reverse

from core.roles import INVESTIGATOR, LEAD, RolesModelBackend, user_roles


def test_the_user_and_their_roles_come_in_one_query(lena, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = RolesModelBackend().get_user(lena.pk)
        assert user_roles(user) == {LEAD}


def test_a_role_taken_away_counts_no_more_on_the_next_request(client, lena):
    client.force_login(lena)
    assert client.session["_auth_user_backend"] == "core.roles.RolesModelBackend"
    assert client.get(reverse("dashboard")).context["user"]._quarry_roles == {LEAD}
    lena.groups.remove(Group.objects.get(name=LEAD))
    lena.groups.add(Group.objects.get_or_create(name=INVESTIGATOR)[0])
    assert client.get(reverse("dashboard")).context["user"]._quarry_roles == {INVESTIGATOR}


def test_an_inactive_user_is_not_loaded(lena):
    lena.is_active = False
    lena.save()
    assert RolesModelBackend().get_user(lena.pk) is None
    assert RolesModelBackend().get_user(987654) is None
