"""`manage.py check --deploy` is clean under the production settings the README documents."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

PRODUCTION_ENV = {
    "DEBUG": "0",
    "ALLOWED_HOSTS": "quarry.lab.example",
    "CSRF_TRUSTED_ORIGINS": "https://quarry.lab.example",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "BEHIND_TLS_PROXY": "1",
    "DATABASE_URL": "postgres://quarry_app:pw@db.lab.example:5432/quarry",
    "DATABASE_OWNER_URL": "postgres://quarry_owner:pw@db.lab.example:5432/quarry",
}


def _check(extra: dict[str, str]) -> subprocess.CompletedProcess:
    # Test-only variables (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE) are no deployment.
    skip = {*PRODUCTION_ENV, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in skip}
    env.update(PRODUCTION_ENV, SECRET_KEY=secrets.token_urlsafe(60), **extra)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check():
    result = _check({})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_catches_a_missing_hsts_setting():
    result = _check({"SECURE_HSTS_SECONDS": "0"})
    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr


def test_the_deploy_check_warns_when_the_app_logs_in_as_the_owner():
    result = _check({"DATABASE_OWNER_URL": ""})
    assert result.returncode != 0
    assert "quarry.W001" in result.stdout + result.stderr
