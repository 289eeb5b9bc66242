"""Which transitions exist, and who may make them. The guards live in services.case_transition."""

from core.roles import LEAD_ONLY, LEGAL_ONLY, WORK_ROLES

from .models import OPEN_STATES, State

# (from, to) -> roles allowed to make the move
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (State.NEW, State.TRIAGE): WORK_ROLES,
    (State.TRIAGE, State.INVESTIGATING): WORK_ROLES,
    (State.INVESTIGATING, State.ENFORCEMENT): WORK_ROLES,
    (State.ENFORCEMENT, State.LEGAL_REVIEW): WORK_ROLES,
    # Legal may send a case back for more work instead of referring it.
    (State.LEGAL_REVIEW, State.INVESTIGATING): LEGAL_ONLY | LEAD_ONLY,
    (State.LEGAL_REVIEW, State.REFERRED): LEGAL_ONLY,
    # Reopening is a lead's decision and always lands in investigating.
    (State.CLOSED, State.INVESTIGATING): LEAD_ONLY,
}
for _state in OPEN_STATES:
    TRANSITIONS[(_state, State.CLOSED)] = LEAD_ONLY

TIMESTAMP_FIELD = {
    State.TRIAGE: "triaged_at",
    State.INVESTIGATING: "investigating_at",
    State.ENFORCEMENT: "enforcement_at",
    State.LEGAL_REVIEW: "legal_review_at",
    State.REFERRED: "referred_at",
    State.CLOSED: "closed_at",
}


def targets_from(state: str) -> list[str]:
    return [to for (frm, to) in TRANSITIONS if frm == state]


def roles_for(from_state: str, to_state: str) -> frozenset[str] | None:
    return TRANSITIONS.get((from_state, to_state))
