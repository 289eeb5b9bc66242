"""Every state × target × role: allowed exactly when the workflow table says so."""

import itertools

import pytest

from cases import workflow
from cases.models import State
from cases.services import case_transition
from core.errors import DomainError, PermissionDenied
from core.roles import ALL_ROLES
from tests.factories import UserFactory, make_case
from tests.helpers import add_evidence, finished_export, force_state, link_account

PAIRS = [(a, b) for a, b in itertools.product(State.values, State.values) if a != b]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize(("from_state", "to_state"), PAIRS)
def test_transition_matrix(role, from_state, to_state):
    owner = UserFactory(roles=["investigator", "legal"])
    actor = UserFactory(roles=[role])
    case = make_case(created_by=owner)
    link_account(case, owner)
    add_evidence(case, owner)
    finished_export(case, owner)
    force_state(case, from_state)
    allowed = workflow.roles_for(from_state, to_state)
    kwargs = {}
    if to_state == State.CLOSED:
        kwargs = {"resolution": "benign", "closing_summary": "Matrix test."}

    if allowed is None:
        with pytest.raises(DomainError, match="cannot go from") as info:
            case_transition(case=case, user=actor, to_state=to_state, **kwargs)
        assert not isinstance(info.value, PermissionDenied)
    elif role not in allowed:
        with pytest.raises(PermissionDenied, match="needs the .* role"):
            case_transition(case=case, user=actor, to_state=to_state, **kwargs)
    else:
        moved = case_transition(case=case, user=actor, to_state=to_state, reason="matrix", **kwargs)
        assert moved.state == to_state
        event = case.events.order_by("-seq").first()
        assert event.kind in {"case.transition", "case.reopened"}
        assert event.actor == actor
        assert event.data["from"] == from_state and event.data["to"] == to_state
        return
    case.refresh_from_db()
    assert case.state == from_state
