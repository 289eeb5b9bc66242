"""The deployment's export signing key: one Ed25519 key, kept in a file outside the database
(settings.QUARRY_EXPORT_KEY_PATH), made on first use with mode 0600."""

import hashlib
import hmac
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings


def _key_path() -> Path:
    return Path(settings.QUARRY_EXPORT_KEY_PATH)


def export_key_load() -> Ed25519PrivateKey:
    """The private key, generated the first time. O_EXCL makes two first uses at once agree:
    the loser of the race reads the winner's key instead of writing its own."""
    path = _key_path()
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        # link() fails if another process published its key first; then that key wins.
        try:
            os.link(tmp, path)
        except FileExistsError:
            return _read(path)
    finally:
        os.unlink(tmp)
    return key


def _read(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def public_key_pem(key: Ed25519PrivateKey | None = None) -> bytes:
    public = (key or export_key_load()).public_key()
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_fingerprint(public: Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key, in hex: what the verifier prints too."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def pseudonym_key(key: Ed25519PrivateKey) -> bytes:
    """The HMAC key for pseudonyms, derived from the export key so that it too stays outside
    the database and the same person gets the same pseudonym in every bundle of this
    deployment (which lets the lab re-identify them if a court orders it)."""
    raw = key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return hmac.new(raw, b"quarry export pseudonyms v1", hashlib.sha256).digest()
