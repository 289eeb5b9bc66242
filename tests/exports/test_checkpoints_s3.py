"""Checkpoints on S3 with Object Lock, as production keeps them: written through the same
storage as the evidence, read back by verify_audit, and not deletable while retained (moto's
standalone S3 server, spoken to over HTTP)."""

import boto3
import pytest
from botocore.exceptions import ClientError
from django.core.management import call_command
from moto.server import ThreadedMotoServer

from exports.checkpoints import checkpoint_newest, checkpoint_write

BUCKET = "checkpoints-locked"


@pytest.fixture
def locked_bucket(settings, monkeypatch):
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET, ObjectLockEnabledForBucket=True)
    client.put_object_lock_configuration(
        Bucket=BUCKET,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}},
        },
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "region_name": "us-east-1",
                "file_overwrite": False,
            },
        },
    }
    yield client
    server.stop()


def test_a_checkpoint_in_a_locked_bucket_is_found_and_cannot_be_deleted(
    case, locked_bucket, capsys
):
    written = checkpoint_write()
    assert checkpoint_newest().body == written.body
    call_command("verify_audit")
    assert f"matching checkpoint {written.name}" in capsys.readouterr().out
    versions = locked_bucket.list_object_versions(Bucket=BUCKET, Prefix=written.name)
    (version,) = versions["Versions"]
    with pytest.raises(ClientError, match="AccessDenied"):
        locked_bucket.delete_object(Bucket=BUCKET, Key=written.name, VersionId=version["VersionId"])
