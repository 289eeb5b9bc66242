"""The single-machine secret key signs sessions: only its owner may read the file."""

import stat

import pytest

from config import env


@pytest.fixture
def var_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(env, "VAR_DIR", tmp_path)
    return tmp_path


def test_a_new_key_file_is_owner_only(var_dir):
    key = env.local_secret_key()
    path = var_dir / "secret_key"
    assert path.read_text() == key and len(key) > 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_old_world_readable_key_file_is_closed(var_dir):
    path = var_dir / "secret_key"
    path.write_text("an-older-key")
    path.chmod(0o644)
    assert env.local_secret_key() == "an-older-key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
