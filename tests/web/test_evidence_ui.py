import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evidence.models import CustodyEvent, Evidence
from tests.helpers import add_evidence

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154"
    "789c6360000002000154a24f5d0000000049454e44ae426082"
)


def test_several_files_upload_in_one_form_post(client, alice, case):
    client.force_login(alice)
    files = [SimpleUploadedFile("a.txt", b"one"), SimpleUploadedFile("b.txt", b"two")]
    response = client.post(reverse("cases:evidence_upload", args=[case.number]), {"file": files})
    assert response.status_code == 302 and response["Location"].endswith("?tab=evidence")
    assert set(case.evidence_items.values_list("original_name", flat=True)) == {"a.txt", "b.txt"}


def test_the_uploader_gets_the_hashes_back_as_json(client, alice, case):
    client.force_login(alice)
    response = client.post(
        reverse("cases:evidence_upload", args=[case.number]),
        {"file": SimpleUploadedFile("a.txt", b"one")},
        HTTP_ACCEPT="application/json",
    )
    item = Evidence.objects.get(case=case)
    assert response.status_code == 201
    body = response.json()["files"][0]
    assert body["sha256"] == item.sha256 and body["sha512"] == item.sha512 and body["created"]


def test_a_refused_upload_answers_json_with_the_reason(client, larry, case):
    from tests.helpers import force_state

    force_state(case, "closed")
    client.force_login(larry)
    response = client.post(
        reverse("cases:evidence_upload", args=[case.number]),
        {"file": SimpleUploadedFile("a.txt", b"one")},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 409 and "closed case" in response.json()["error"]


def test_a_text_preview_shows_the_content_and_records_a_view(client, alice, case):
    item = add_evidence(case, alice, content=b"GET /v1/chat 200\n", name="access.log")
    client.force_login(alice)
    page = client.get(reverse("cases:evidence_preview", args=[case.number, item.pk]))
    assert "GET /v1/chat 200" in page.content.decode()
    assert CustodyEvent.objects.filter(evidence=item, action="viewed").count() == 1


def test_a_json_preview_is_pretty_printed(client, alice, case):
    item = add_evidence(case, alice, content=json.dumps({"a": [1, 2]}).encode(), name="x.json")
    client.force_login(alice)
    text = client.get(reverse("cases:evidence_preview", args=[case.number, item.pk])).context[
        "text"
    ]
    assert text == json.dumps({"a": [1, 2]}, indent=2)


def test_a_csv_preview_is_a_table(client, alice, case):
    item = add_evidence(case, alice, content=b"account,calls\nacct_1,900\n", name="calls.csv")
    client.force_login(alice)
    response = client.get(reverse("cases:evidence_preview", args=[case.number, item.pk]))
    assert response.context["rows"] == [["account", "calls"], ["acct_1", "900"]]
    assert '<th scope="col">account</th>' in response.content.decode()


def test_an_image_is_served_inline_with_a_view_recorded(client, alice, case):
    item = add_evidence(case, alice, content=PNG, name="shot.png")
    client.force_login(alice)
    page = client.get(reverse("cases:evidence_preview", args=[case.number, item.pk]))
    assert reverse("cases:evidence_image", args=[case.number, item.pk]) in page.content.decode()
    image = client.get(reverse("cases:evidence_image", args=[case.number, item.pk]))
    assert image["Content-Type"] == "image/png" and image["X-Content-Type-Options"] == "nosniff"
    assert CustodyEvent.objects.filter(evidence=item, action="viewed").count() == 1


def test_a_non_image_is_not_served_inline(client, alice, case):
    item = add_evidence(case, alice, content=b"<svg onload=alert(1)>", name="x.svg")
    client.force_login(alice)
    assert (
        client.get(reverse("cases:evidence_image", args=[case.number, item.pk])).status_code == 404
    )


def test_download_writes_a_custody_event(client, alice, case):
    item = add_evidence(case, alice)
    client.force_login(alice)
    response = client.get(reverse("cases:evidence_download", args=[case.number, item.pk]))
    b"".join(response.streaming_content)
    assert CustodyEvent.objects.filter(evidence=item, action="downloaded").count() == 1


def test_evidence_of_another_case_is_404(client, alice, case):
    from tests.factories import make_case

    other = make_case(created_by=alice)
    item = add_evidence(other, alice)
    client.force_login(alice)
    url = reverse("cases:evidence_preview", args=[case.number, item.pk])
    assert client.get(url).status_code == 404
