"""A credential a detector reports (OCSF observable type_id 19) is kept as its first 12
characters only: the whole value is nowhere in the database, nor in a bundle of the case."""

import copy
import zipfile

from django.db import connection

from detection.models import Signal
from tests.exports.conftest import build, bundle_file

from .test_ocsf import FINDING, PATH

SECRET = "sk-live-9f3e2a77c1d04b"


def _rows_holding(text: str) -> list[str]:
    """Every table of the database, each row cast to text, searched for `text`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        tables = [name for (name,) in cursor.fetchall()]
        found = []
        for table in tables:
            cursor.execute(
                f'SELECT count(*) FROM "{table}" t WHERE position(%s in t::text) > 0', [text]
            )
            if cursor.fetchone()[0]:
                found.append(table)
    return found


def test_the_whole_credential_is_nowhere_in_the_database_or_a_bundle(
    post_signals, prada, case, larry, settings, tmp_path
):
    settings.QUARRY_EXPORT_KEY_PATH = str(tmp_path / "export.pem")
    settings.QUARRY_EXPORT_DIR = str(tmp_path / "exports")
    event = copy.deepcopy(FINDING)
    event["message"] = f"Key {SECRET} used from 40 accounts"
    event["evidences"].append({"api_key": {"uid": SECRET}, "type_id": 19, "value": SECRET})
    assert post_signals(event, prada.token, path=PATH).status_code == 201
    signal = Signal.objects.get()
    assert {"type_id": 19, "value": "sk-live-9f3e"} in [
        {k: o[k] for k in ("type_id", "value")} for o in signal.observables
    ]
    assert "Key sk-live-9f3e used" in signal.payload["message"]
    assert _rows_holding(SECRET) == []
    assert _rows_holding("sk-live-9f3e")  # the search does find what is there

    Signal.objects.filter(pk=signal.pk).update(case=case)
    export = build(case, larry)
    with zipfile.ZipFile(bundle_file(export)) as archive:
        contents = b"".join(archive.read(name) for name in archive.namelist())
    assert b"sk-live-9f3e" in contents
    assert SECRET.encode() not in contents
