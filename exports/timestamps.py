"""RFC 3161 time-stamp tokens for audit checkpoints (rfc3161-client): proof from a third
party that a checkpoint existed at a time, so that a checkpoint cannot be back-dated by whoever
holds the export key. QUARRY_TSA_URL names the authority; QUARRY_TSA_CA_FILE, when set, is the
PEM of its root certificate, and then each token's signature is verified too."""

import hashlib
from pathlib import Path

import requests
from cryptography import x509
from django.conf import settings
from rfc3161_client import (
    HashAlgorithm,
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

GRANTED = (0, 1)  # PKIStatus granted, grantedWithMods


class TimestampError(Exception):
    pass


def timestamp_request(body: bytes) -> bytes:
    """Ask the authority for a token over SHA-256 of `body`; the DER TimeStampResp, checked."""
    request = (
        TimestampRequestBuilder()
        .data(body)
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    try:
        reply = requests.post(
            settings.QUARRY_TSA_URL,
            data=request.as_bytes(),
            headers={"Content-Type": "application/timestamp-query"},
            timeout=settings.QUARRY_TSA_TIMEOUT_SECONDS,
        )
        reply.raise_for_status()
    except requests.RequestException as exc:
        raise TimestampError(f"the time-stamp authority did not answer: {exc}") from exc
    timestamp_check(reply.content, body, nonce=request.nonce)
    return reply.content


def timestamp_check(token: bytes, body: bytes, *, nonce: int | None = None) -> None:
    """Raise TimestampError unless `token` is a granted time stamp of exactly `body` (and,
    with QUARRY_TSA_CA_FILE, signed by a certificate of that authority)."""
    try:
        response = decode_timestamp_response(token)
    except ValueError as exc:
        raise TimestampError(f"not an RFC 3161 time-stamp response: {exc}") from exc
    if response.status not in GRANTED:
        raise TimestampError(f"the authority refused: status {response.status}")
    if response.tst_info.message_imprint.message != hashlib.sha256(body).digest():
        raise TimestampError("the time stamp is over other bytes than the checkpoint")
    if nonce is not None and response.tst_info.nonce != nonce:
        raise TimestampError("the time stamp answers another request (nonce differs)")
    if settings.QUARRY_TSA_CA_FILE:
        root = x509.load_pem_x509_certificate(Path(settings.QUARRY_TSA_CA_FILE).read_bytes())
        try:
            VerifierBuilder(roots=[root]).build().verify_message(response, body)
        except VerificationError as exc:
            raise TimestampError(f"the time stamp's signature does not verify: {exc}") from exc
