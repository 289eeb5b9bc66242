import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from evidence.models import storage_key_for
from tests.helpers import add_evidence


def test_a_clean_installation_verifies(alice, case, capsys):
    add_evidence(case, alice)
    call_command("verify_integrity")
    assert "OK" in capsys.readouterr().out


def test_a_changed_evidence_file_is_reported_by_name(alice, case, evidence_dir, capsys):
    item = add_evidence(case, alice, b"original bytes", name="gateway.log")
    path = evidence_dir / storage_key_for(item.sha256)
    path.chmod(0o640)
    path.write_bytes(b"changed bytes!")
    with pytest.raises(CommandError, match="1 integrity problem"):
        call_command("verify_integrity")
    out = capsys.readouterr().out
    assert f"MISMATCH {case.number} evidence {item.pk}: gateway.log" in out
    assert item.custody.filter(action="verified", hash_matched=False).exists()
