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
    # Editing a note replaces its body: the edit must name it, PATCH or not.
    ("/api/v1/cases/{number}/notes/{id}", "patch", "NoteInput"),
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


@pytest.mark.parametrize("path, method, body", ROUTES)
def test_each_body_is_required_as_the_view_requires_it(schema, path, method, body):
    # Every one of these views refuses a request without a body, or with an empty one.
    assert schema["paths"][path][method]["requestBody"]["required"] is True


@pytest.mark.parametrize(
    "body", ["PatchedCaseEditInput", "TaskCreateInput", "PatchedTaskEditInput"]
)
def test_a_body_of_optional_fields_must_still_name_one(schema, body):
    component = schema["components"]["schemas"][body]
    assert "required" not in component and component["minProperties"] == 1


def test_merge_names_the_survivor_and_take_has_no_body(schema):
    merge = schema["components"]["schemas"]["MergeInput"]
    assert merge["required"] == ["into"]
    assert "requestBody" not in schema["paths"]["/api/v1/cases/{number}/take"]["post"]


def test_take_and_signal_detail_are_documented(schema):
    assert "post" in schema["paths"]["/api/v1/cases/{number}/take"]
    assert "get" in schema["paths"]["/api/v1/cases/{number}/signals/{id}"]
