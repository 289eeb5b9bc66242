"""The PDF report reads as a court reader needs: human labels and dates, hashes in readable
monospace lines, page N of M, a table of contents for a long case, custody per item."""

import re

from exports.report import ReportInput, report_render

SHA256 = "ab" * 32
SHA512 = "cd" * 64


def _input(accounts: int = 2, evidence: int = 1) -> ReportInput:
    return ReportInput(
        organisation="Example Lab",
        case={
            "number": "QRY-2026-00042",
            "title": "Hydra proxy cluster",
            "state": "legal_review",
            "severity": "critical",
            "resolution": "",
            "suspected_actor": "Hydra Group",
            "actor_confidence": 70,
            "assignee": "alice",
            "legal_hold": True,
            "created_at": "2026-11-30T02:09:03.052565Z",
            "tags": ["distillation"],
            "summary": "Traffic behind proxies.",
            "closing_summary": "",
        },
        export={"id": 7, "generated_at": "2026-11-30T03:00:00Z", "requested_by": "larry"},
        state_history=[
            {"at": "2026-11-30 02:09:03", "from": None, "to": "new", "actor": "lena", "reason": ""},
            {
                "at": "2026-11-30 02:30:00",
                "from": "enforcement",
                "to": "legal_review",
                "actor": "alice",
                "reason": "Evidence complete.",
            },
        ],
        accounts=[
            {
                "external_id": f"acct_{i}",
                "name": "N",
                "email": "e@x",
                "organisation": "",
                "country": "",
                "platform_status": "suspended",
                "case_role": "primary_suspect",
                "enforcement": "requested",
            }
            for i in range(accounts)
        ],
        accounts_total=accounts,
        evidence=[
            {
                "id": i,
                "original_name": f"api-gateway-{i}.log",
                "size": 1234,
                "content_type": "text/plain",
                "collected_at": "2026-11-30 02:10:00",
                "collected_by": "alice",
                "source": "partner report",
                "path": f"data/evidence/{i}-api-gateway-{i}.log",
                "sha256": SHA256,
                "sha512": SHA512,
            }
            for i in range(1, evidence + 1)
        ],
        chain_head="ef" * 32,
        events_total=9,
        key_fingerprint="01" * 32,
        custody={
            1: [
                {
                    "at": "2026-11-30T02:10:00Z",
                    "action": "collected",
                    "actor": "alice",
                    "ip": "",
                    "hash_matched": None,
                    "detail": "",
                },
                {
                    "at": "2026-11-30T03:00:00Z",
                    "action": "exported",
                    "actor": "larry",
                    "ip": "10.0.0.9",
                    "hash_matched": True,
                    "detail": "export 7",
                },
            ]
        },
    )


def _text(pdf: bytes) -> str:
    # The streams are uncompressed; fpdf2 writes the page count as its own text run.
    return pdf.decode("latin-1").replace(") Tj (", "")


def test_values_are_human_labels_and_dates():
    text = _text(report_render(_input()))
    assert "Legal review" in text and "legal_review" not in text
    assert "Primary suspect" in text and "Suspended" in text
    assert "2026-11-30 02:09 UTC" in text and "052565" not in text


def test_hashes_are_grouped_monospace_lines_at_a_readable_size():
    text = _text(report_render(_input()))
    assert "SHA-512 cdcdcdcd cdcdcdcd" in text
    assert " ".join(["abababab"] * 8) in text
    assert "/F2 8.00 Tf" in text or "Courier" in text


def test_every_page_says_page_n_of_m():
    text = _text(report_render(_input()))
    pages = int(re.search(r"/Count (\d+)", text).group(1))
    assert pages >= 2
    assert f"page 1 of {pages}" in text and f"page {pages} of {pages}" in text


def test_a_long_case_has_a_table_of_contents_and_a_short_one_not():
    assert "(Contents" in _text(report_render(_input(accounts=60)))
    assert "(Contents" not in _text(report_render(_input()))


def test_each_evidence_item_has_its_custody_table():
    text = _text(report_render(_input()))
    assert "Chain of custody" in text and "Exported" in text and "Collected" in text


def test_an_item_without_custody_events_says_so():
    text = _text(report_render(_input(evidence=3)))
    assert text.count("No custody events recorded.") == 2


def test_the_sample_report_renders_to_the_readmes_pictures(screenshots):
    """`make screenshots` writes the README's report pages from here: the title page with its
    contents, and the hash certification, which the README names as page 4."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(report_render(_input(accounts=60, evidence=3)))
    pages = {1: "Contents", 4: "Hash certification"}
    for number, heading in pages.items():
        page = pdf[number - 1]
        assert heading in page.get_textpage().get_text_range()
        image = page.render(scale=1.25).to_pil()
        image.save(screenshots / f"report-page-{number}.png", optimize=True)
