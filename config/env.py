"""Small readers for settings taken from the environment; a bad value fails loudly at start-up."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("QUARRY_VAR_DIR", BASE_DIR / "var")).resolve()


def env_str(name: str, default: str = "") -> str:
    """The variable's value; unset and empty both mean the default."""
    return os.environ.get(name) or default


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


EMBEDDED_DATABASE = "quarry"


def embedded_database_url(login: str = "postgres") -> str:
    """The URL of the embedded PostgreSQL that `make run` and `make test` start under var/, for
    one of its logins: `postgres` (the superuser), or the owner and app logins that
    config/db_roles.py creates (`quarry_owner`, `quarry_app`)."""
    port = env_int("EMBEDDED_PG_PORT", 54329)
    return f"postgres://{login}@127.0.0.1:{port}/{EMBEDDED_DATABASE}"


def local_secret_key() -> str:
    """A key made once per installation and kept under var/, for the single-machine run.
    Deployments set SECRET_KEY instead, so that every replica signs sessions alike. Whoever
    reads the key can forge sessions: the file is the owner's alone (0600), also when an
    older Quarry left it readable to others."""
    import os
    import secrets

    path = VAR_DIR / "secret_key"
    try:
        key = path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return key
