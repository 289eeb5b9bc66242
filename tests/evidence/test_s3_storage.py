"""Evidence on S3-compatible object storage: the same code against a local S3 server (moto's
standalone server, spoken to over HTTP by boto3 exactly as MinIO or AWS would be)."""

import hashlib

import boto3
import pytest
from moto.server import ThreadedMotoServer

from evidence.models import storage_key_for
from evidence.services import evidence_add, evidence_open, evidence_verify


@pytest.fixture(scope="module")
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_evidence(settings, s3_server, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")
    client.create_bucket(Bucket="evidence-test")
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "evidence-test",
                "endpoint_url": s3_server,
                "region_name": "us-east-1",
                "file_overwrite": False,
            },
        },
    }
    yield client
    for obj in client.list_objects_v2(Bucket="evidence-test").get("Contents", []):
        client.delete_object(Bucket="evidence-test", Key=obj["Key"])
    client.delete_bucket(Bucket="evidence-test")


def test_evidence_is_stored_content_addressed_in_the_bucket(alice, lena, case, s3_evidence):
    from tests.factories import make_case

    data = b"account,exit_ip\nacct_1,198.51.100.7\n" * 1000
    item, _ = evidence_add(case=case, user=alice, chunks=[data], original_name="ips.csv")
    evidence_add(case=make_case(created_by=lena), user=lena, chunks=[data], original_name="x.csv")
    keys = [o["Key"] for o in s3_evidence.list_objects_v2(Bucket="evidence-test")["Contents"]]
    assert keys == [storage_key_for(hashlib.sha256(data).hexdigest())]
    with evidence_open(item) as handle:
        assert handle.read() == data
    assert evidence_verify(evidence=item, actor=alice)
