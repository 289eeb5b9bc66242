"""Which transitions exist, and who may make them. The guards live in services.case_transition."""

from core.roles import INVESTIGATOR, LEAD, LEGAL

from .models import OPEN_STATES, State

WORKERS = frozenset({INVESTIGATOR, LEAD})

# (from, to) -> roles allowed to make the move
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (State.NEW, State.TRIAGE): WORKERS,
    (State.TRIAGE, State.INVESTIGATING): WORKERS,
    (State.INVESTIGATING, State.ENFORCEMENT): WORKERS,
    (State.ENFORCEMENT, State.LEGAL_REVIEW): WORKERS,
    # Legal may send a case back for more work instead of referring it.
    (State.LEGAL_REVIEW, State.INVESTIGATING): frozenset({LEGAL, LEAD}),
    (State.LEGAL_REVIEW, State.REFERRED): frozenset({LEGAL}),
    # Reopening is a lead's decision and always lands in investigating.
    (State.CLOSED, State.INVESTIGATING): frozenset({LEAD}),
}
for _state in OPEN_STATES:
    TRANSITIONS[(_state, State.CLOSED)] = frozenset({LEAD})

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
