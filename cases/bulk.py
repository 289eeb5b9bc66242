"""Many cases at once, for seed and benchmark data: the case rows, each case's first audit
event and its members, written with COPY. The events are chained here, by the rules of
cases.audit, so that nothing outside this app computes an audit hash."""

import json
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection

from core.pgcopy import copy_rows, copy_value

from .audit import GENESIS, actor_label, chain_hash, event_payload


@dataclass
class CaseLoad:
    """One case as it stands, with the person who opened it; `id` is set once it is stored."""

    number: str
    title: str
    summary: str
    severity: str
    state: str
    created_by: object  # a user
    created_at: datetime
    updated_at: datetime
    triage_due_at: datetime
    resolve_due_at: datetime
    suspected_actor: str = ""
    assignee_id: int | None = None
    restricted: bool = False
    tags: list[str] = field(default_factory=list)
    resolution: str = ""
    closing_summary: str = ""
    closed_at: datetime | None = None
    id: int | None = None


def case_numbers_reserve(n: int, year: int) -> list[str]:
    """n case numbers from the counter case_create uses, so later cases never collide."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cases_casenumbercounter (year, last) VALUES (%s, %s) "
            "ON CONFLICT (year) DO UPDATE SET last = cases_casenumbercounter.last + %s "
            "RETURNING last",
            [year, n, n],
        )
        (last,) = cursor.fetchone()
    return [f"QRY-{year}-{i:05d}" for i in range(last - n + 1, last + 1)]


def cases_load(rows: list[CaseLoad]) -> int:
    """Store the cases (setting each row's id); how many were stored."""

    def lines():
        for r in rows:
            yield (
                "\t".join(
                    [
                        r.number,
                        r.title,
                        r.summary,
                        r.severity,
                        r.state,
                        r.resolution,
                        r.closing_summary,
                        r.suspected_actor,
                        str(r.assignee_id) if r.assignee_id else r"\N",
                        "t" if r.restricted else "f",
                        "f",
                        "{" + ",".join(r.tags) + "}",
                        str(r.created_by.pk),
                        copy_value(r.created_at),
                        copy_value(r.updated_at),
                        copy_value(r.closed_at),
                        copy_value(r.triage_due_at),
                        copy_value(r.resolve_due_at),
                    ]
                )
                + "\n"
            )

    count = copy_rows(
        "COPY cases_case (number, title, summary, severity, state, resolution, "
        "closing_summary, suspected_actor, assignee_id, restricted, legal_hold, tags, "
        "created_by_id, created_at, updated_at, closed_at, triage_due_at, resolve_due_at) "
        "FROM STDIN",
        lines(),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT number, id FROM cases_case WHERE number = ANY(%s)", [[r.number for r in rows]]
        )
        ids = dict(cursor.fetchall())
    for r in rows:
        r.id = ids[r.number]
    return count


def cases_created_events_load(rows: list[CaseLoad], *, origin: str, added_at: datetime) -> int:
    """Each stored case's first audit event, `case.created` at its created_at, chained exactly
    as event_append would; and its members, the creator and the assignee, as case_create and
    case_assign make them. How many events were stored."""

    def lines():
        for r in rows:
            label = actor_label(r.created_by)
            data = {
                "title": r.title,
                "severity": r.severity,
                "restricted": r.restricted,
                "origin": origin,
            }
            payload = event_payload(
                case_number=r.number,
                seq=1,
                kind="case.created",
                actor=label,
                at=r.created_at,
                data=data,
            )
            # COPY's text format reads a backslash as an escape: double them.
            data_json = json.dumps(data, ensure_ascii=False).replace("\\", "\\\\")
            yield (
                "\t".join(
                    [
                        str(r.id),
                        "1",
                        "case.created",
                        str(r.created_by.pk),
                        label,
                        copy_value(r.created_at),
                        data_json,
                        GENESIS,
                        chain_hash(GENESIS, payload),
                    ]
                )
                + "\n"
            )

    count = copy_rows(
        "COPY cases_caseevent (case_id, seq, kind, actor_id, actor_label, at, data, "
        "prev_hash, hash) FROM STDIN",
        lines(),
    )
    pairs = {(r.id, r.created_by.pk) for r in rows} | {
        (r.id, r.assignee_id) for r in rows if r.assignee_id
    }
    copy_rows(
        "COPY cases_casemember (case_id, user_id, added_at) FROM STDIN",
        (f"{c}\t{u}\t{copy_value(added_at)}\n" for c, u in sorted(pairs)),
    )
    return count
