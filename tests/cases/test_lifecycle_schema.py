"""The lifecycle's routes are in the OpenAPI schema with their JSON request bodies, so that
generated clients can call them."""

import pytest

ROUTES = [
    ("/api/v1/cases", "post", "CaseCreateInput"),
    ("/api/v1/cases/{number}", "patch", "PatchedCaseEditInput"),
    ("/api/v1/cases/{number}/tasks", "post", "TaskCreateInput"),
    ("/api/v1/cases/{number}/tasks/{id}", "patch", "PatchedTaskEditInput"),
    ("/api/v1/cases/{number}/merge", "post", "MergeInput"),
    ("/api/v1/cases/{number}/pending", "post", "PendingDecisionInput"),
    ("/api/v1/cases/{number}/notes/{id}", "patch", "PatchedNoteInput"),
]


@pytest.fixture
def schema(client, alice):
    client.force_login(alice)
    return client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


@pytest.mark.parametrize("path, method, body", ROUTES)
def test_each_route_documents_its_json_body(schema, path, method, body):
    operation = schema["paths"][path][method]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith(f"/{body}")


def test_take_and_signal_detail_are_documented(schema):
    assert "post" in schema["paths"]["/api/v1/cases/{number}/take"]
    assert "get" in schema["paths"]["/api/v1/cases/{number}/signals/{id}"]
