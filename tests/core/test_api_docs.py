def test_schema_is_openapi_3(client, alice):
    client.force_login(alice)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/cases/{number}/transitions" in schema["paths"]


def test_interactive_docs_load_nothing_from_a_cdn(client, alice):
    client.force_login(alice)
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower() and "https://" not in page
