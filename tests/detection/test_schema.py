"""The OpenAPI schema describes the detector endpoints well enough to generate a client."""


def test_the_schema_documents_the_detector_endpoints_and_their_auth(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    for path in ("/api/v1/signals", "/api/v1/ocsf/detection-findings", "/api/v1/detectors/me"):
        assert path in schema["paths"]
    ingest = schema["paths"]["/api/v1/signals"]["post"]
    assert {"201", "200", "400", "401", "413", "415", "422"} <= set(ingest["responses"])
    assert ingest["security"] == [{"detectorToken": []}]
    assert schema["components"]["securitySchemes"]["detectorToken"]["scheme"] == "bearer"
